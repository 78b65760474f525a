// Geometry of the ABPN pipeline (skin-retouching.md §3 steps 3 and 4b.5).
#pragma once

#include <opencv2/core.hpp>

namespace portrait::skin {

// The original's crop rule: a square of int(1.5 x the box's longer side) around the box
// centre, truncated like Python's int(), then clipped to the image (no padding, so
// crops at the border are not square). The box corners are truncated to int first, as
// the original casts RetinaFace boxes to int32.
cv::Rect abpn_crop_box(const cv::Rect2f& box, cv::Size image);

// The original's border fade for the blend layer: 500x500, min(r(i), r(j)) with
// r(k) = k/20 (k <= 20), 1 (k <= 480), (500-k)/20 beyond, bilinearly resized to `size`.
cv::Mat abpn_diffuse_mask(cv::Size size);

}  // namespace portrait::skin
