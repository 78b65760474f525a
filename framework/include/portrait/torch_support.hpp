// Helpers for stages that run TorchScript models (link portrait::torch).
// Header-only so each plugin compiles it against the same LibTorch as the host.
#pragma once

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>

#include <c10/core/StreamGuard.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <opencv2/core.hpp>
#include <torch/cuda.h>
#include <torch/script.h>
#include <torch/version.h>

#include "portrait/version.hpp"

// A plugin that uses these helpers links LibTorch: its descriptor carries the version
// (plugin.hpp), whichever of the two headers came first.
#undef PORTRAIT_TORCH_FINGERPRINT
#define PORTRAIT_TORCH_FINGERPRINT TORCH_VERSION

namespace portrait {
inline namespace PORTRAIT_SDK_NAMESPACE {
namespace torch_support {

// The torch::Device of a Context::device() string ("cpu", "cuda:0").
inline torch::Device device_of(const std::string& device) {
    try {
        return torch::Device(device);
    } catch (const c10::Error&) {
        throw std::runtime_error("device '" + device + "' is not a LibTorch device name (cpu, cuda:N)");
    }
}

// Loads a TorchScript module for inference (eval mode) onto `device` (Context::device()),
// turning LibTorch's errors into one clear line that names the file.
inline torch::jit::Module load_module(const std::filesystem::path& file, const std::string& device = "cpu") {
    const torch::Device dev = device_of(device);
    if (dev.is_cuda() && !torch::cuda::is_available())
        throw std::runtime_error("model " + file.string() + ": device " + device +
                                 " asked for, but this LibTorch has no CUDA or sees no GPU (resources.device)");
    try {
        torch::jit::Module m = torch::jit::load(file.string(), dev);
        m.eval();
        return m;
    } catch (const c10::Error& e) {
        std::string what = e.what_without_backtrace();
        if (what.find("maximum supported version") != std::string::npos)
            throw std::runtime_error("model " + file.string() +
                                     " was exported by a newer PyTorch than this LibTorch reads; convert it "
                                     "again with 'portrait models convert' (which uses Debian's torch)");
        throw std::runtime_error("model " + file.string() + " is not a TorchScript file this LibTorch can load: " +
                                 what.substr(0, what.find('\n')));
    }
}

// One stream per worker thread on a GPU, so images in flight on several threads do not
// queue behind each other on the default stream: `c10::OptionalStreamGuard g(worker_stream(d));`
// around a call. c10's device-generic stream API compiles and links against a CPU-only
// LibTorch (c10/cuda needs the CUDA toolkit); on the CPU there is no stream and the guard
// does nothing.
inline c10::optional<c10::Stream> worker_stream(const torch::Device& device) {
    if (!device.is_cuda()) return c10::nullopt;
    thread_local std::map<int, c10::Stream> mine;  // by device index
    auto it = mine.find(device.index());
    if (it == mine.end())
        it = mine.emplace(device.index(), c10::impl::getDeviceGuardImpl(device.type())->getStreamFromGlobalPool(device))
                 .first;
    return it->second;
}

// BGR CV_8UC3 -> float tensor [1,3,H,W] in RGB order, value = (x/255 - mean) / stddev,
// on `device` (the 8-bit pixels are copied there, the conversion runs there).
inline torch::Tensor bgr_to_tensor(const cv::Mat& bgr, float mean = 0.f, float stddev = 1.f,
                                   const torch::Device& device = torch::kCPU) {
    CV_Assert(bgr.type() == CV_8UC3);
    cv::Mat cont = bgr.isContinuous() ? bgr : bgr.clone();
    torch::Tensor t = torch::from_blob(cont.data, {1, cont.rows, cont.cols, 3}, torch::kUInt8)
                          .to(device)
                          .to(torch::kFloat32)
                          .flip(3)                      // BGR -> RGB, explicitly
                          .permute({0, 3, 1, 2})
                          .contiguous();
    return t.div_(255.f).sub_(mean).div_(stddev);
}

// Float tensor [1,3,H,W] or [3,H,W] in RGB order with value = (x/255 - mean)/stddev
// -> BGR CV_8UC3 (rounded, clamped).
inline cv::Mat tensor_to_bgr(const torch::Tensor& tensor, float mean = 0.f, float stddev = 1.f) {
    torch::Tensor t = tensor.detach().to(torch::kCPU, torch::kFloat32);
    if (t.dim() == 4) t = t[0];
    t = t.mul(stddev).add(mean).mul(255.f).round().clamp(0, 255).to(torch::kUInt8);
    t = t.flip(0).permute({1, 2, 0}).contiguous();  // RGB -> BGR, HWC
    cv::Mat out(int(t.size(0)), int(t.size(1)), CV_8UC3);
    std::memcpy(out.data, t.data_ptr<uint8_t>(), out.total() * 3);
    return out;
}

}  // namespace torch_support
}  // namespace PORTRAIT_SDK_NAMESPACE
}  // namespace portrait
