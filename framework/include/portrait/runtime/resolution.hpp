// Working resolution: stages see the image with its longest side bounded by
// resources.max_size; each stage's change is carried back to the full-resolution
// image (a difference, or the stage's warp), so untouched pixels stay identical.
#pragma once

#include <opencv2/core.hpp>

namespace portrait {

// Scale (<= 1) that brings the longest side of `full` to at most max_size (0 = no limit).
double working_scale(cv::Size full, int max_size);
// Working size for a scale, at least 1x1.
cv::Size scaled_size(cv::Size full, double scale);

// full: CV_8UC3 or CV_16UC3 at full resolution. before/after: CV_8UC3 at working size.
// Adds the upsampled difference (after - before) to full. Returns false if nothing changed.
bool transfer_difference(cv::Mat& full, const cv::Mat& before, const cv::Mat& after);
// Applies a working-resolution backward map (CV_32FC2, absolute working coordinates) to full.
void transfer_warp(cv::Mat& full, const cv::Mat& warp, cv::Size working);

}  // namespace portrait
