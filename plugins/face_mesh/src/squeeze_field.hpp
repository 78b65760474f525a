// A sideways squeeze towards a midline: each side of the midline has a contour (its distance
// from the midline along the line) that moves inwards by a given amount; content near the
// midline stays still, the contour moves by that amount, and the displacement eases back to
// exactly zero a fixed distance outside it. Everything moves across the midline only, so
// lines across it stay straight and the map is fold-free while amount * 1.5 < falloff.
// Pure geometry; knows nothing about faces.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

namespace portrait::face {

struct SqueezeSide {
    // Tabulated along the midline, one entry per table step from `t0`:
    std::vector<float> contour;  // distance of the moved contour from the midline (px)
    std::vector<float> amount;   // how far the contour moved inwards there (px, >= 0)
};

struct SqueezeFrame {
    cv::Point2f origin;       // a point on the midline
    cv::Point2f across;       // unit vector across the midline, towards side 0
    cv::Point2f along;        // unit vector along it (t grows this way)
    float t0 = 0.f;           // t of the first table entry
    float t_step = 1.f;       // table spacing along the midline (px)
    float inner = 0.35f;      // displacement starts at this fraction of the contour distance
    float falloff = 40.f;     // ... and is zero this far (px) outside the contour
    SqueezeSide side[2];      // 0: positive `across` side
};

// Weight of the contour's displacement at distance d from the midline, for a contour at c:
// 0 up to inner*c, smoothly 1 at c (zero slope there), smoothly 0 at c + falloff.
float squeeze_profile(const SqueezeFrame& f, float c, float d);

// Backward offsets (out(p) = in(p + offset)) over `rect`, CV_32FC2; exactly zero where the
// squeeze does not reach.
cv::Mat squeeze_offsets(const SqueezeFrame& f, const cv::Rect& rect);

// Bounding box of the squeeze's support, in image pixels (not clipped).
cv::Rect squeeze_support(const SqueezeFrame& f);

}  // namespace portrait::face
