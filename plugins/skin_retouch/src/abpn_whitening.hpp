// The ABPN pipeline's whitening step (skin-retouching.md §3 steps 1 and 5).
#pragma once

#include <opencv2/core.hpp>

namespace portrait::skin {

// The original resizes every image so its longer side is 800 (up or down, INTER_LINEAR,
// short side truncated) before skin segmentation.
constexpr int kSkinLongSide = 800;
cv::Size long_side_size(cv::Size s, int long_side = kSkinLongSide);

// Whitens `bgr` (CV_8UC3) in place. `skin800` is the CV_8U skin mask (255 = skin) at
// long_side_size(bgr.size()). big_kernel: a face crop taller than 0.4 x the image.
// Closing (ellipse 30 or 80), 20x20 box blur, G and B at 0.75, wmg = m*0.2*degree + 0.5,
// resized to the image, soft-light blend computed in fp16 and truncated, as the original.
void abpn_whiten(cv::Mat& bgr, const cv::Mat& skin800, bool big_kernel, float degree);

}  // namespace portrait::skin
