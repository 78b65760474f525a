// The built-in retoucher: no network beyond the face mesh. Per face, inside the skin
// mask: small blemishes are filled, the skin is smoothed with an edge-preserving filter
// while the finest texture (pores) is put back, blotchy colour is evened out, and the
// skin is optionally brightened.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "skin_mask.hpp"

namespace portrait::skin {

struct BuiltinOptions {
    float strength = 0.7f;         // 0 = identity, 1 = full effect
    float smoothness = 0.5f;       // filter size and strength of the smoothing
    float blemish_removal = 0.5f;  // 0 = off; higher finds fainter spots
    float tone_evening = 0.3f;     // 0 = off; evens out blotchy skin colour
    float whitening = 0.0f;        // 0 = off; brightens the skin (soft-light blend)
    bool keep_freckles = false;    // leave small faint brown spots (blemish_guard.hpp)
};

struct BuiltinStats {
    int faces = 0;
    int blemishes = 0;    // spots filled, over all faces
    int spots_left = 0;   // spots found but left: jewellery, highlights, freckles, features
};

// Retouches `bgr` (CV_8UC3) in place, inside each face's skin mask. Small objects the
// blemish guard finds not to be skin (jewellery, metal, highlights) are not touched at all.
BuiltinStats builtin_retouch(cv::Mat& bgr, const std::vector<FaceSkin>& faces, const BuiltinOptions& opt);

// Pieces, exposed for tests and tuning.
// Spots darker than their surroundings, smaller than `max_diameter` px, inside `mask` (CV_32F):
// CV_8U 0/255 at the size of `bgr`. Every candidate: the blemish guard has not judged them.
cv::Mat find_blemishes(const cv::Mat& bgr, const cv::Mat& mask, float max_diameter, float sensitivity,
                       int* count = nullptr);
// Self-guided filter of a float image (any channel count), box radius r, regulariser eps,
// computed at 1/subsample resolution (the "fast guided filter").
cv::Mat guided_filter(const cv::Mat& img, int r, float eps, int subsample);

}  // namespace portrait::skin
