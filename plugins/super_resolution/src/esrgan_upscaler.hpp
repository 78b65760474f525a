// One converted ESRGAN network (models/convert/esrgan.py: RGB [0,1] NCHW in, k x larger out)
// run on 8-bit BGR images, whole or in overlapping tiles.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>

#include <opencv2/core.hpp>
#include <torch/script.h>

namespace portrait::super_resolution {

class EsrganUpscaler {
public:
    // `file`: an xN/model.pt; `scale`: the N it must produce (checked on every call).
    EsrganUpscaler(const std::filesystem::path& file, int scale, const std::string& device = "cpu");

    // BGR CV_8UC3 -> BGR CV_8UC3 of exactly scale x the size. tile <= 0: one network pass;
    // else tiles of tile x tile input pixels, each run with tile_pad pixels of context.
    cv::Mat upscale(const cv::Mat& bgr, int tile, int tile_pad, const std::function<bool()>& cancelled = {});

    int scale() const { return scale_; }

private:
    cv::Mat network(const cv::Mat& bgr);
    torch::jit::Module module_;
    std::filesystem::path file_;
    int scale_;
    torch::Device device_;
};

// Peak bytes of activations per input pixel of one network pass (measured peak RSS growth
// on 192 and 320 px inputs, rounded up); `variant` is thick, medium or slim.
std::size_t activation_bytes_per_pixel(const std::string& variant, int scale);

}  // namespace portrait::super_resolution
