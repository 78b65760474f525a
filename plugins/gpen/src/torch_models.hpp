// TorchScript implementations of the stage's two model roles: the GPEN face restorer
// and the RealESRNet x2 background upsampler. Load once onto the stage's device (Context::
// device()), freeze if the converter did not, run under InferenceMode on the thread's own
// stream. Inputs go to the device once per call and results come back once; colour
// conversion BGR <-> RGB happens here and only here.
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include <torch/script.h>

#include "restorer.hpp"

namespace portrait::gpen {

// Loads a converted model for inference onto `device` ("cpu", "cuda:N"): eval, frozen
// (unless already), with a clear error, also for a CUDA device this LibTorch cannot use.
torch::jit::Module load_inference_module(const std::filesystem::path& file, const std::string& device = "cpu",
                                         bool* was_frozen = nullptr);

// Integer `key` from the converter's `<file>.json` sidecar (top level or under "config"),
// or -1 when the sidecar or the key is absent. Throws on a sidecar that is not JSON.
long sidecar_int(const std::filesystem::path& model_file, const std::string& key);

// GPEN FullGenerator: RGB [-1,1] in, RGB (about [-1,1]) out, [N,3,S,S].
class TorchFaceRestorer final : public FaceRestorer {
public:
    TorchFaceRestorer(const std::filesystem::path& file, int size, const std::string& device = "cpu");
    // `module` already on `device`.
    explicit TorchFaceRestorer(torch::jit::Module module, int size, std::filesystem::path file = {},
                               torch::Device device = torch::kCPU);
    int size() const override { return size_; }
    std::vector<cv::Mat> restore(const std::vector<cv::Mat>& crops) override;
    // The restored faces as the network left them: RGB [N,3,S,S] on device(), for tests.
    torch::Tensor forward(const std::vector<cv::Mat>& crops);
    const torch::Device& device() const { return device_; }
    const torch::jit::Module& module() const { return module_; }

private:
    torch::jit::Module module_;
    int size_;
    std::filesystem::path file_;
    torch::Device device_;
};

// RRDBNet x2: RGB [0,1] in, RGB [0,1] (unclamped) out at twice the size. Runs tiled.
class TorchUpsampler final : public Upsampler {
public:
    TorchUpsampler(const std::filesystem::path& file, int tile, int tile_pad, const std::string& device = "cpu");
    cv::Mat upsample(const cv::Mat& bgr, int factor, const std::function<bool()>& cancelled = {}) override {
        return upsample(bgr, factor, tile_, cancelled);
    }
    // With another tile side than the stage's (a smaller one that fits the device budget).
    // The image goes to the device once; tiles are cut, run and reassembled there.
    cv::Mat upsample(const cv::Mat& bgr, int factor, int tile, const std::function<bool()>& cancelled = {});
    // One untiled network pass, raw: BGR CV_32FC3, about 0..1, not clamped (for tests).
    cv::Mat network_x2(const cv::Mat& bgr);
    const torch::Device& device() const { return device_; }
    const torch::jit::Module& module() const { return module_; }

private:
    // rgb: [1,3,h,w] on the device, h and w even -> [1,3,2h,2w] float32, checked.
    torch::Tensor forward_x2(const torch::Tensor& rgb);
    torch::jit::Module module_;
    int tile_, tile_pad_;
    std::filesystem::path file_;
    torch::Device device_;
};

// A view of a TorchUpsampler with its own tile side, for one image (the device budget's).
class TiledUpsampler final : public Upsampler {
public:
    TiledUpsampler(TorchUpsampler& up, int tile) : up_(up), tile_(tile) {}
    cv::Mat upsample(const cv::Mat& bgr, int factor, const std::function<bool()>& cancelled = {}) override {
        return up_.upsample(bgr, factor, tile_, cancelled);
    }

private:
    TorchUpsampler& up_;
    int tile_;
};

}  // namespace portrait::gpen
