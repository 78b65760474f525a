// The feathered rectangle GPEN pastes a restored face back with (spec §3.8).
#pragma once

#include <opencv2/core.hpp>

namespace portrait::gpen {

// CV_32FC1 size x size in 0..1. Built at 512 as the reference does: a filled rectangle
// (26,26)-(486,486), Gaussian blur (101, sigma 4 * feather) twice, then a bilinear resize
// to `size` (so the feather scales with the crop). feather = 1 is the reference; 0 gives
// a hard edge; up to 2 keeps the feather inside the crop.
cv::Mat make_paste_mask(int size, double feather = 1.0);

}  // namespace portrait::gpen
