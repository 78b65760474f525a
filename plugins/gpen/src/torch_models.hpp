// TorchScript implementations of the stage's two model roles: the GPEN face restorer
// and the RealESRNet x2 background upsampler. Load once, freeze if the converter did not,
// run under InferenceMode. Colour conversion BGR <-> RGB happens here and only here.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include <torch/script.h>

#include "restorer.hpp"

namespace portrait::gpen {

// Loads a converted model for inference: eval, frozen (unless already), with a clear error.
torch::jit::Module load_inference_module(const std::filesystem::path& file, bool* was_frozen = nullptr);

// Integer `key` from the converter's `<file>.json` sidecar (top level or under "config"),
// or -1 when the sidecar or the key is absent. Throws on a sidecar that is not JSON.
long sidecar_int(const std::filesystem::path& model_file, const std::string& key);

// GPEN FullGenerator: RGB [-1,1] in, RGB (about [-1,1]) out, [N,3,S,S].
class TorchFaceRestorer final : public FaceRestorer {
public:
    TorchFaceRestorer(const std::filesystem::path& file, int size);
    explicit TorchFaceRestorer(torch::jit::Module module, int size, std::filesystem::path file = {});
    int size() const override { return size_; }
    std::vector<cv::Mat> restore(const std::vector<cv::Mat>& crops) override;

private:
    torch::jit::Module module_;
    int size_;
    std::filesystem::path file_;
};

// RRDBNet x2: RGB [0,1] in, RGB [0,1] (unclamped) out at twice the size. Runs tiled.
class TorchUpsampler final : public Upsampler {
public:
    TorchUpsampler(const std::filesystem::path& file, int tile, int tile_pad,
                   std::function<bool()> cancelled = {});
    cv::Mat upsample(const cv::Mat& bgr, int factor) override;
    // One network pass on a tile whose sides are even; BGR CV_8UC3 in and out.
    cv::Mat upsample_x2(const cv::Mat& bgr);
    // The same pass, raw: BGR CV_32FC3, about 0..1, not clamped (for tests).
    cv::Mat network_x2(const cv::Mat& bgr);

private:
    torch::jit::Module module_;
    int tile_, tile_pad_;
    std::function<bool()> cancelled_;
    std::filesystem::path file_;
};

}  // namespace portrait::gpen
