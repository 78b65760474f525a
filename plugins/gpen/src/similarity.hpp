// Least-squares similarity transforms (rotation, uniform scale, translation) between
// point sets, used to align a face to the template and to paste it back.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

namespace portrait::gpen {

// The similarity T minimising sum |T(src_i) - dst_i|^2 (Umeyama 1991), as a 2x3 matrix
// [a -b tx; b a ty]. Needs at least two distinct points; throws std::invalid_argument otherwise.
cv::Matx23d estimate_similarity(const std::vector<cv::Point2d>& src, const std::vector<cv::Point2d>& dst);

// The exact inverse of an invertible 2x3 affine transform.
cv::Matx23d invert_affine(const cv::Matx23d& m);

// m applied to p.
inline cv::Point2d apply(const cv::Matx23d& m, cv::Point2d p) {
    return {m(0, 0) * p.x + m(0, 1) * p.y + m(0, 2), m(1, 0) * p.x + m(1, 1) * p.y + m(1, 2)};
}

// First a, then b.
cv::Matx23d compose(const cv::Matx23d& b, const cv::Matx23d& a);

}  // namespace portrait::gpen
