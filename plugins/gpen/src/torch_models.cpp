#include "torch_models.hpp"

#include <cstring>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/cuda.h>
#include <opencv2/imgproc.hpp>
#include <portrait/torch_support.hpp>

#include <portrait/tiling.hpp>

namespace portrait::gpen {
namespace fs = std::filesystem;

namespace {
// Runs the saved (frozen, already optimised) graph as it is. LibTorch's profiling executor
// would otherwise spend the first two calls of every new input shape profiling and
// re-optimising: measured 13.6 s instead of 5.0 s for the first 512 face, and every new
// RealESRNet tile shape paid it again. Scoped, so other stages keep their own setting.
struct PlainGraph {
    torch::jit::GraphOptimizerEnabledGuard guard{false};
};

std::string first_line(const c10::Error& e) {
    std::string w = e.what_without_backtrace();
    return w.substr(0, w.find('\n'));
}
}  // namespace

torch::jit::Module load_inference_module(const fs::path& file, const std::string& device, bool* was_frozen) {
    // The host never hands out a CUDA device it cannot use; other callers (tests, tools)
    // get this line instead of LibTorch's deserialisation error.
    if (torch_support::device_of(device).is_cuda() && !torch::cuda::is_available())
        throw std::runtime_error("model " + file.string() + ": device " + device +
                                 " asked for, but this LibTorch has no CUDA or sees no GPU (resources.device: cpu "
                                 "runs it on the CPU)");
    torch::jit::Module m = torch_support::load_module(file, device);
    // A frozen module has its weights folded into the graph as constants, so it has no
    // parameters left; freezing also lets the JIT fold the weight arithmetic once here.
    const bool frozen = m.parameters().size() == 0;
    if (was_frozen) *was_frozen = frozen;
    if (!frozen) {
        try {
            m = torch::jit::freeze(m);
        } catch (const c10::Error&) {
            // Not every scripted module freezes; it still runs correctly unfrozen.
        }
    }
    return m;
}

long sidecar_int(const fs::path& model_file, const std::string& key) {
    const fs::path side = model_file.string() + ".json";
    std::ifstream in(side);
    if (!in) return -1;
    nlohmann::json j;
    try {
        in >> j;
    } catch (const std::exception& e) {
        throw std::runtime_error("model sidecar " + side.string() + " is not valid JSON: " + e.what());
    }
    for (const nlohmann::json* o : {&j, j.contains("config") ? &j["config"] : nullptr})
        if (o && o->is_object() && o->contains(key) && (*o)[key].is_number_integer()) return (*o)[key].get<long>();
    return -1;
}

TorchFaceRestorer::TorchFaceRestorer(const fs::path& file, int size, const std::string& device)
    : TorchFaceRestorer(load_inference_module(file, device), size, file, torch_support::device_of(device)) {}

TorchFaceRestorer::TorchFaceRestorer(torch::jit::Module module, int size, fs::path file, torch::Device device)
    : module_(std::move(module)), size_(size), file_(std::move(file)), device_(device) {}

torch::Tensor TorchFaceRestorer::forward(const std::vector<cv::Mat>& crops) {
    torch::InferenceMode guard;
    const long n = long(crops.size());
    const long s = size_;
    // The 8-bit crops are packed on the host and go to the device in one copy; there BGR
    // uint8 NHWC -> RGB float NCHW in [-1,1], (x/255 - 0.5) / 0.5 in the original's float
    // operations, so the truncated 8-bit face matches it (spec §3.7).
    torch::Tensor host = torch::empty({n, s, s, 3}, torch::kUInt8);
    for (long i = 0; i < n; ++i) {
        const cv::Mat& c = crops[i];
        CV_Assert(c.type() == CV_8UC3 && c.rows == s && c.cols == s && c.isContinuous());
        std::memcpy(host[i].data_ptr<uint8_t>(), c.data, std::size_t(s * s * 3));
    }
    torch::Tensor in = host.to(device_).permute({0, 3, 1, 2}).flip(1).to(torch::kFloat32).contiguous();
    in.div_(255.f).sub_(0.5f).div_(0.5f);  // channel 0 is R now: BGR -> RGB

    torch::Tensor out;
    try {
        PlainGraph plain;
        out = module_.forward({in}).toTensor();
    } catch (const c10::Error& e) {
        throw std::runtime_error("GPEN model " + file_.string() + " failed on a [" + std::to_string(n) + ",3," +
                                 std::to_string(s) + "," + std::to_string(s) + "] face batch (is it a converted GPEN-" +
                                 std::to_string(s) + " model?): " + first_line(e));
    }
    if (out.dim() != 4 || out.size(0) != n || out.size(1) != 3 || out.size(2) != s || out.size(3) != s)
        throw std::runtime_error("GPEN model " + file_.string() + " returned shape " + c10::str(out.sizes()) +
                                 " for " + std::to_string(n) + " faces of " + std::to_string(s) +
                                 " px; expected [N,3,S,S] (is it a converted GPEN-" + std::to_string(s) + " model?)");
    return out;
}

std::vector<cv::Mat> TorchFaceRestorer::restore(const std::vector<cv::Mat>& crops) {
    if (crops.empty()) return {};
    torch::InferenceMode guard;
    c10::OptionalStreamGuard stream(torch_support::worker_stream(device_));
    torch::Tensor out = forward(crops);
    // RGB [-1,1] -> BGR 0..255 float, HWC, on the device; one copy back. Clipped but not
    // rounded: the paste-back rounds once.
    out = out.to(torch::kFloat32).mul(0.5f).add(0.5f).clamp(0.f, 1.f).mul(255.f);
    out = out.flip(1).permute({0, 2, 3, 1}).contiguous().to(torch::kCPU);  // RGB -> BGR, NHWC
    const int s = size_;
    std::vector<cv::Mat> faces;
    for (long i = 0; i < long(crops.size()); ++i) {
        cv::Mat f(s, s, CV_32FC3);
        std::memcpy(f.data, out[i].data_ptr<float>(), f.total() * f.elemSize());
        faces.push_back(f);
    }
    return faces;
}

TorchUpsampler::TorchUpsampler(const fs::path& file, int tile, int tile_pad, const std::string& device)
    : module_(load_inference_module(file, device)),
      tile_(tile),
      tile_pad_(tile_pad),
      file_(file),
      device_(torch_support::device_of(device)) {}

torch::Tensor TorchUpsampler::forward_x2(const torch::Tensor& rgb) {
    const long h = rgb.size(2), w = rgb.size(3);
    torch::Tensor out;
    try {
        PlainGraph plain;
        out = module_.forward({rgb}).toTensor();
    } catch (const c10::Error& e) {
        throw std::runtime_error("RealESRNet model " + file_.string() + " failed on a " + std::to_string(w) + "x" +
                                 std::to_string(h) + " tile (is it a converted RealESRNet x2?): " + first_line(e));
    }
    if (out.dim() != 4 || out.size(0) != 1 || out.size(1) != 3 || out.size(2) != 2 * h || out.size(3) != 2 * w)
        throw std::runtime_error("RealESRNet model " + file_.string() + " returned shape " + c10::str(out.sizes()) +
                                 " for a " + std::to_string(w) + "x" + std::to_string(h) +
                                 " tile; expected twice the size (is it a converted RealESRNet x2?)");
    return out.to(torch::kFloat32);
}

cv::Mat TorchUpsampler::network_x2(const cv::Mat& bgr) {
    torch::InferenceMode guard;
    c10::OptionalStreamGuard stream(torch_support::worker_stream(device_));
    // bgr_to_tensor flips BGR -> RGB explicitly; RRDBNet takes RGB in [0,1].
    torch::Tensor out = forward_x2(torch_support::bgr_to_tensor(bgr, 0.f, 1.f, device_));
    out = out[0].flip(0).permute({1, 2, 0}).contiguous().to(torch::kCPU);  // RGB -> BGR, HWC
    cv::Mat f(2 * bgr.rows, 2 * bgr.cols, CV_32FC3);
    std::memcpy(f.data, out.data_ptr<float>(), f.total() * f.elemSize());
    return f;
}

cv::Mat TorchUpsampler::upsample(const cv::Mat& bgr, int factor, int tile, const std::function<bool()>& cancelled) {
    CV_Assert(bgr.type() == CV_8UC3 && (factor == 1 || factor == 2));
    // The network pixel-unshuffles by 2: reflect-pad bottom/right to even sides (as the
    // reference does for the whole image), so every tile edge falls on an even pixel.
    cv::Mat even;
    cv::copyMakeBorder(bgr, even, 0, bgr.rows % 2, 0, bgr.cols % 2, cv::BORDER_REFLECT_101);
    cv::Mat up(even.rows * 2, even.cols * 2, CV_8UC3);
    {
        torch::InferenceMode guard;
        c10::OptionalStreamGuard stream(torch_support::worker_stream(device_));
        using torch::indexing::Slice;
        // Whole image up once, 8-bit result down once; the tiles are views on the device.
        const torch::Tensor img = torch_support::bgr_to_tensor(even, 0.f, 1.f, device_);
        torch::Tensor out = torch::empty({3, 2L * even.rows, 2L * even.cols},
                                         torch::TensorOptions().dtype(torch::kUInt8).device(device_));
        for (const tiling::Tile& t : tiling::make_tiles(even.size(), tile, tile_pad_, 2)) {
            if (cancelled && cancelled()) throw std::runtime_error("cancelled");
            const cv::Rect& p = t.padded;
            const torch::Tensor y =
                forward_x2(img.index({Slice(), Slice(), Slice(p.y, p.y + p.height), Slice(p.x, p.x + p.width)}));
            const cv::Rect c((t.core.tl() - p.tl()) * 2, t.core.size() * 2);
            // x 255, rounded half to even and clamped: what convertTo(CV_8U, 255) did per tile.
            out.index({Slice(), Slice(2 * t.core.y, 2 * t.core.y + c.height),
                       Slice(2 * t.core.x, 2 * t.core.x + c.width)})
                .copy_(y.index({0, Slice(), Slice(c.y, c.y + c.height), Slice(c.x, c.x + c.width)})
                           .mul(255.f)
                           .round()
                           .clamp(0, 255)
                           .to(torch::kUInt8));
        }
        const torch::Tensor host = out.flip(0).permute({1, 2, 0}).contiguous().to(torch::kCPU);  // RGB -> BGR
        std::memcpy(up.data, host.data_ptr<uint8_t>(), up.total() * 3);
    }
    up = up(cv::Rect(0, 0, bgr.cols * 2, bgr.rows * 2));
    if (factor == 2) return up.clone();
    cv::Mat down;  // scale 1: super-resolve, then average 2x2 back to the input size
    cv::resize(up, down, bgr.size(), 0, 0, cv::INTER_AREA);
    return down;
}

}  // namespace portrait::gpen
