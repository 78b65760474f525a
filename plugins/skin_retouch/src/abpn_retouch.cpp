#include "abpn_retouch.hpp"

#include <chrono>
#include <cstring>
#include <vector>

#include <portrait/torch_support.hpp>
#include <torch/torch.h>

#include "abpn_crop.hpp"
#include "abpn_spot_guard.hpp"

namespace portrait::skin {
namespace F = torch::nn::functional;

namespace {

// Sizes fixed by the original pipeline (§3).
constexpr int kDetectSize = 768;
constexpr int kGeneratorSize = 512;
constexpr int kPatch = 512;
constexpr int kOverlap = 32;
constexpr float kThresholdLow = 0.35f, kThresholdHigh = 0.5f;

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// BGR uint8 crop -> [1,3,H,W] RGB on `device`, (x/255 - 0.5) * 2 as the original computes
// it (in float64, as numpy does for uint8 / 255., then float32). The 8-bit pixels are what
// crosses to the device.
torch::Tensor crop_to_tensor(const cv::Mat& bgr, const torch::Device& device) {
    cv::Mat c = bgr.clone();
    torch::Tensor t = torch::from_blob(c.data, {1, c.rows, c.cols, 3}, torch::kUInt8)
                          .to(device)
                          .to(torch::kFloat64)
                          .flip(3)
                          .permute({0, 3, 1, 2});
    return t.div(255.0).sub(0.5).mul(2.0).to(torch::kFloat32).contiguous();
}

// Reordered where it is, then one copy to the host.
cv::Mat rgb_u8_to_bgr(const torch::Tensor& chw_u8) {
    torch::Tensor t = chw_u8.flip(0).permute({1, 2, 0}).contiguous().to(torch::kCPU);
    cv::Mat out(int(t.size(0)), int(t.size(1)), CV_8UC3);
    std::memcpy(out.data, t.data_ptr<uint8_t>(), out.total() * 3);
    return out;
}

torch::Tensor interpolate(const torch::Tensor& x, int64_t h, int64_t w, torch::enumtype::kBilinear,
                          bool align_corners) {
    return F::interpolate(x, F::InterpolateFuncOptions()
                                 .size(std::vector<int64_t>{h, w})
                                 .mode(torch::kBilinear)
                                 .align_corners(align_corners));
}

// 4a: detection, keep-mask, tiled inpainting. Returns the crop with blemishes filled.
// `guide`: the crop's pixels, where it lies and its face, when spot_guard judges the spots.
struct GuardInput {
    cv::Mat crop_bgr;
    cv::Rect crop;
    const FaceSkin* face;
};
torch::Tensor remove_blemishes(AbpnNetworks& nets, const torch::Tensor& roi, const AbpnOptions& opt,
                               AbpnFaceStats& st, const GuardInput* guide) {
    const int64_t H = roi.size(2), W = roi.size(3);
    auto t0 = std::chrono::steady_clock::now();
    torch::Tensor p = torch::sigmoid(nets.detect(interpolate(roi, kDetectSize, kDetectSize, torch::kBilinear, true)));
    // Legacy 'nearest' (src = floor(dst * in / out)), as F.interpolate(mode='nearest').
    p = F::interpolate(p, F::InterpolateFuncOptions().size(std::vector<int64_t>{H, W}).mode(torch::kNearest));
    st.detect_ms = ms_since(t0);
    torch::Tensor keep = abpn_keep_mask(p);
    if (guide) {
        GuardStats gs;
        keep = abpn_guard_keep(p, keep, kThresholdLow, guide->crop_bgr, guide->crop, *guide->face, opt.keep_freckles,
                               &gs);
        st.spots_left = gs.kept();
    }

    t0 = std::chrono::steady_clock::now();
    const int64_t PH = (H + kPatch - 1) / kPatch * kPatch, PW = (W + kPatch - 1) / kPatch * kPatch;
    // Zero padding to multiples of 512, then 32 on every side: zeros in `keep` read as holes.
    torch::Tensor img_p = F::pad(roi, F::PadFuncOptions({kOverlap, PW - W + kOverlap, kOverlap, PH - H + kOverlap}));
    torch::Tensor keep_p = F::pad(keep, F::PadFuncOptions({kOverlap, PW - W + kOverlap, kOverlap, PH - H + kOverlap}));
    torch::Tensor out = roi.clone();
    struct Tile { int64_t y, x; };
    std::vector<Tile> todo;
    // A core with nothing to remove inside the crop comes back unchanged (comp = x*1 + 0*out),
    // and the padding outside the crop is cut away: skip it. Every core's smallest keep value
    // in one reduction and one read on the host (the padding counts as clean), not one per tile.
    torch::Tensor clean;
    if (opt.skip_clean_tiles) {
        const torch::Tensor keep_c = F::pad(keep, F::PadFuncOptions({0, PW - W, 0, PH - H}).value(1.0));
        clean = keep_c.reshape({PH / kPatch, kPatch, PW / kPatch, kPatch}).amin({1, 3}).ge(1.f).to(torch::kCPU);
    }
    for (int64_t y = 0; y < PH; y += kPatch)
        for (int64_t x = 0; x < PW; x += kPatch) {
            ++st.tiles;
            if (opt.skip_clean_tiles && clean[y / kPatch][x / kPatch].item<bool>()) continue;
            todo.push_back({y, x});
        }
    using torch::indexing::Slice;
    const int64_t T = kPatch + 2 * kOverlap;
    for (std::size_t i = 0; i < todo.size(); i += std::size_t(std::max(1, opt.tile_batch))) {
        const std::size_t n = std::min(todo.size() - i, std::size_t(std::max(1, opt.tile_batch)));
        std::vector<torch::Tensor> imgs, keeps;
        for (std::size_t j = i; j < i + n; ++j) {
            imgs.push_back(img_p.index({Slice(), Slice(), Slice(todo[j].y, todo[j].y + T), Slice(todo[j].x, todo[j].x + T)}));
            keeps.push_back(keep_p.index({Slice(), Slice(), Slice(todo[j].y, todo[j].y + T), Slice(todo[j].x, todo[j].x + T)}));
        }
        torch::Tensor k = torch::cat(keeps, 0);
        torch::Tensor xin = torch::cat(imgs, 0) * k;
        torch::Tensor res = nets.inpaint(xin, k);
        torch::Tensor comp = xin + (1 - k) * res;
        for (std::size_t j = 0; j < n; ++j) {
            const Tile& t = todo[i + j];
            const int64_t h = std::min<int64_t>(kPatch, H - t.y), w = std::min<int64_t>(kPatch, W - t.x);
            out.index_put_({Slice(), Slice(), Slice(t.y, t.y + h), Slice(t.x, t.x + w)},
                           comp.index({int64_t(j), Slice(), Slice(kOverlap, kOverlap + h), Slice(kOverlap, kOverlap + w)}));
        }
        st.tiles_run += int(n);
    }
    st.inpaint_ms = ms_since(t0);
    return out;
}

}  // namespace

torch::Tensor abpn_keep_mask(const torch::Tensor& p) {
    torch::Tensor w = torch::where(p < kThresholdLow, torch::zeros_like(p), p);
    w = torch::where(p >= kThresholdHigh, torch::ones_like(p), w);
    return 1 - w;
}

AbpnFaceStats abpn_retouch_face(AbpnNetworks& nets, const cv::Mat& original, cv::Mat& output, cv::Rect crop,
                                const AbpnOptions& opt, const FaceSkin* face) {
    AbpnFaceStats st;
    const auto t_all = std::chrono::steady_clock::now();
    c10::InferenceMode guard;
    c10::OptionalStreamGuard stream(torch_support::worker_stream(nets.device()));
    torch::Tensor roi = crop_to_tensor(original(crop), nets.device());
    const int64_t H = roi.size(2), W = roi.size(3);
    if (opt.retouch_local) {
        const bool judge = opt.spot_guard && face && face->face_width > 0;
        const GuardInput guide{judge ? original(crop) : cv::Mat(), crop, face};
        roi = remove_blemishes(nets, roi, opt, st, judge ? &guide : nullptr);
    }

    // 4b: the blend layer at 512 (bilinear, no antialias), scaled by degree, resized back.
    auto t0 = std::chrono::steady_clock::now();
    torch::Tensor mg = nets.generate(interpolate(roi, kGeneratorSize, kGeneratorSize, torch::kBilinear, false));
    st.generate_ms = ms_since(t0);
    mg = torch::clamp((mg - 0.5) * opt.degree + 0.5, 0, 1);
    mg = interpolate(mg, H, W, torch::kBilinear, false);
    cv::Mat fade = abpn_diffuse_mask(cv::Size(int(W), int(H)));
    torch::Tensor fade_t = torch::from_blob(fade.data, {1, 1, H, W}, torch::kFloat32).to(nets.device());
    mg = (mg - 0.5) * fade_t + 0.5;
    torch::Tensor x = (roi + 1) / 2;
    torch::Tensor pred = (1 - 2 * mg) * (x * x) + 2 * mg * x;
    // .byte() truncates toward zero.
    torch::Tensor u8 = (pred * 255).to(torch::kUInt8)[0];
    rgb_u8_to_bgr(u8).copyTo(output(crop));
    st.total_ms = ms_since(t_all);
    return st;
}

}  // namespace portrait::skin
