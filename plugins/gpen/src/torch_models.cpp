#include "torch_models.hpp"

#include <cstring>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <opencv2/imgproc.hpp>
#include <portrait/torch_support.hpp>

#include "tiling.hpp"

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

torch::jit::Module load_inference_module(const fs::path& file, bool* was_frozen) {
    torch::jit::Module m = torch_support::load_module(file);
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

TorchFaceRestorer::TorchFaceRestorer(const fs::path& file, int size)
    : TorchFaceRestorer(load_inference_module(file), size, file) {}

TorchFaceRestorer::TorchFaceRestorer(torch::jit::Module module, int size, fs::path file)
    : module_(std::move(module)), size_(size), file_(std::move(file)) {}

std::vector<cv::Mat> TorchFaceRestorer::restore(const std::vector<cv::Mat>& crops) {
    torch::InferenceMode guard;
    const long n = long(crops.size());
    const long s = size_;
    if (n == 0) return {};
    // BGR uint8 HWC -> RGB float NCHW in [-1,1], written in place: (x/255 - 0.5) / 0.5 in
    // the original's float operations, so the truncated 8-bit face matches it (spec §3.7).
    torch::Tensor in = torch::empty({n, 3, s, s}, torch::kFloat32);
    for (long i = 0; i < n; ++i) {
        const cv::Mat& c = crops[i];
        CV_Assert(c.type() == CV_8UC3 && c.rows == s && c.cols == s && c.isContinuous());
        torch::Tensor hwc = torch::from_blob(c.data, {s, s, 3}, torch::kUInt8);
        in[i].copy_(hwc.permute({2, 0, 1}).flip(0));  // channel 0 becomes R: BGR -> RGB
    }
    in.div_(255.f).sub_(0.5f).div_(0.5f);

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
    // RGB [-1,1] -> BGR 0..255 float, HWC. Clipped but not rounded: the paste-back rounds once.
    out = out.to(torch::kFloat32).mul(0.5f).add(0.5f).clamp(0.f, 1.f).mul(255.f);
    out = out.flip(1).permute({0, 2, 3, 1}).contiguous();  // RGB -> BGR, NHWC
    std::vector<cv::Mat> faces;
    for (long i = 0; i < n; ++i) {
        cv::Mat f(static_cast<int>(s), static_cast<int>(s), CV_32FC3);
        std::memcpy(f.data, out[i].data_ptr<float>(), f.total() * f.elemSize());
        faces.push_back(f);
    }
    return faces;
}

TorchUpsampler::TorchUpsampler(const fs::path& file, int tile, int tile_pad, std::function<bool()> cancelled)
    : module_(load_inference_module(file)),
      tile_(tile),
      tile_pad_(tile_pad),
      cancelled_(std::move(cancelled)),
      file_(file) {}

cv::Mat TorchUpsampler::network_x2(const cv::Mat& bgr) {
    torch::InferenceMode guard;
    // bgr_to_tensor flips BGR -> RGB explicitly; RRDBNet takes RGB in [0,1].
    torch::Tensor out;
    try {
        PlainGraph plain;
        out = module_.forward({torch_support::bgr_to_tensor(bgr)}).toTensor();
    } catch (const c10::Error& e) {
        throw std::runtime_error("RealESRNet model " + file_.string() + " failed on a " + std::to_string(bgr.cols) +
                                 "x" + std::to_string(bgr.rows) + " tile (is it a converted RealESRNet x2?): " +
                                 first_line(e));
    }
    if (out.dim() != 4 || out.size(0) != 1 || out.size(1) != 3 || out.size(2) != 2L * bgr.rows ||
        out.size(3) != 2L * bgr.cols)
        throw std::runtime_error("RealESRNet model " + file_.string() + " returned shape " + c10::str(out.sizes()) +
                                 " for a " + std::to_string(bgr.cols) + "x" + std::to_string(bgr.rows) +
                                 " tile; expected twice the size (is it a converted RealESRNet x2?)");
    out = out[0].to(torch::kFloat32).flip(0).permute({1, 2, 0}).contiguous();  // RGB -> BGR, HWC
    cv::Mat f(2 * bgr.rows, 2 * bgr.cols, CV_32FC3);
    std::memcpy(f.data, out.data_ptr<float>(), f.total() * f.elemSize());
    return f;
}

cv::Mat TorchUpsampler::upsample_x2(const cv::Mat& bgr) {
    cv::Mat u8;
    network_x2(bgr).convertTo(u8, CV_8UC3, 255.0);  // clamps to [0,1] and rounds, as the reference
    return u8;
}

cv::Mat TorchUpsampler::upsample(const cv::Mat& bgr, int factor) {
    CV_Assert(bgr.type() == CV_8UC3 && (factor == 1 || factor == 2));
    // The network pixel-unshuffles by 2: reflect-pad bottom/right to even sides (as the
    // reference does for the whole image), so every tile edge falls on an even pixel.
    cv::Mat even;
    cv::copyMakeBorder(bgr, even, 0, bgr.rows % 2, 0, bgr.cols % 2, cv::BORDER_REFLECT_101);
    cv::Mat up = run_tiled(
        even, 2, tile_, tile_pad_, 2, [this](const cv::Mat& t) { return upsample_x2(t); }, cancelled_);
    up = up(cv::Rect(0, 0, bgr.cols * 2, bgr.rows * 2));
    if (factor == 2) return up.clone();
    cv::Mat down;  // scale 1: super-resolve, then average 2x2 back to the input size
    cv::resize(up, down, bgr.size(), 0, 0, cv::INTER_AREA);
    return down;
}

}  // namespace portrait::gpen
