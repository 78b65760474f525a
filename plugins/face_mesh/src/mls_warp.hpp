// Rigid moving-least-squares deformation (Schaefer, McPhail, Warren 2006), evaluated on a
// coarse grid. Pure math on points; knows nothing about faces.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

namespace portrait::face {

// Point v -> f(v) for the rigid MLS map taking `from[i]` to `to[i]`, weights |from_i - v|^-2a.
cv::Point2f mls_rigid(const std::vector<cv::Point2f>& from, const std::vector<cv::Point2f>& to, cv::Point2f v,
                      float alpha = 1.f);

// Offsets f(v) - v on the grid v = origin + (i*step, j*step), i < cols, j < rows;
// result CV_32FC2 rows x cols.
cv::Mat mls_rigid_grid(const std::vector<cv::Point2f>& from, const std::vector<cv::Point2f>& to, cv::Point2f origin,
                       float step, int cols, int rows, float alpha = 1.f);

// Dense offsets for every pixel of `rect` by bicubic interpolation of a grid made by
// mls_rigid_grid with the given origin/step (corner-aligned: grid node i sits on pixel
// origin.x + i*step). Result CV_32FC2 of rect.size().
cv::Mat upsample_grid(const cv::Mat& grid, cv::Point2f origin, float step, const cv::Rect& rect);

// Smallest Jacobian determinant of the map p -> p + offset(p) over a CV_32FC2 offset field
// sampled every `step` pixels (1 for dense fields).
double min_jacobian(const cv::Mat& offsets, float step);

}  // namespace portrait::face
