// One face of the ModelScope skin-retouching pipeline (skin-retouching.md §3 step 4):
// blemish detection and inpainting over the crop, then the generator's blend layer.
#pragma once

#include <opencv2/core.hpp>

#include "abpn_networks.hpp"
#include "skin_mask.hpp"

namespace portrait::skin {

struct AbpnOptions {
    bool retouch_local = true;  // 4a, blemish removal (the library default)
    float degree = 1.0f;        // blend-layer strength around 0.5 (library 1.0, _torch sibling 0.7)
    bool skip_clean_tiles = true;  // skip inpainting tiles whose core has no blemish (exact)
    int tile_batch = 1;            // inpainting tiles per forward call (batching measured slower per tile)
    // Judge the detection net's spots with the blemish guard and inpaint only blemishes
    // (abpn_spot_guard.hpp). Off = the original's behaviour: every marked spot is inpainted.
    bool spot_guard = false;
    bool keep_freckles = false;  // with spot_guard: leave small faint brown spots too
};

struct AbpnFaceStats {
    int tiles = 0;      // 576x576 inpainting tiles over the crop
    int tiles_run = 0;  // of those, how many had a blemish and went through the network
    int spots_left = 0;  // spot_guard: marked spots left out of the inpainting (jewellery, highlights, ...)
    double detect_ms = 0, inpaint_ms = 0, generate_ms = 0, total_ms = 0;
};

// Reads the crop from `original` (CV_8UC3 BGR) and writes the retouched crop into
// `output` (same size) at the same place. `face` (its mesh mask) is what spot_guard judges
// with; without it the guard does not run for this face.
AbpnFaceStats abpn_retouch_face(AbpnNetworks& nets, const cv::Mat& original, cv::Mat& output, cv::Rect crop,
                                const AbpnOptions& opt, const FaceSkin* face = nullptr);

// The keep-mask rule: removal weight w = 0 below 0.35, P in [0.35, 0.5), 1 from 0.5; keep = 1 - w.
torch::Tensor abpn_keep_mask(const torch::Tensor& probability);

}  // namespace portrait::skin
