// The two model roles of the stage, as interfaces, so the algorithm (enhance.cpp) is
// tested without LibTorch. Colour order at these boundaries is always BGR; the TorchScript
// implementations convert to the networks' RGB themselves.
#pragma once

#include <functional>
#include <vector>

#include <opencv2/core.hpp>

namespace portrait::gpen {

class FaceRestorer {
public:
    virtual ~FaceRestorer() = default;
    virtual int size() const = 0;  // S: the aligned crop side the network takes
    // crops: aligned faces, BGR CV_8UC3 S x S (at most the batch the caller chose).
    // Returns one BGR CV_32FC3 image per crop, values 0..255 (clipped, not rounded).
    virtual std::vector<cv::Mat> restore(const std::vector<cv::Mat>& crops) = 0;
};

class Upsampler {
public:
    virtual ~Upsampler() = default;
    // bgr: CV_8UC3. Returns CV_8UC3 BGR of exactly factor x the size (factor >= 1).
    // `cancelled` (this image's Context::cancelled) is polled between tiles.
    virtual cv::Mat upsample(const cv::Mat& bgr, int factor, const std::function<bool()>& cancelled = {}) = 0;
};

// Plain interpolation (background none: bilinear, bicubic: bicubic); factor 1 is a copy.
class ResizeUpsampler final : public Upsampler {
public:
    explicit ResizeUpsampler(int interpolation) : interpolation_(interpolation) {}
    cv::Mat upsample(const cv::Mat& bgr, int factor, const std::function<bool()>& cancelled = {}) override;

private:
    int interpolation_;
};

}  // namespace portrait::gpen
