#include "similarity.hpp"

#include <cmath>
#include <stdexcept>

namespace portrait::gpen {

cv::Matx23d estimate_similarity(const std::vector<cv::Point2d>& src, const std::vector<cv::Point2d>& dst) {
    if (src.size() != dst.size() || src.size() < 2)
        throw std::invalid_argument("similarity needs two equal-length point lists of at least 2 points");
    const double n = double(src.size());
    cv::Point2d ms(0, 0), md(0, 0);
    for (std::size_t i = 0; i < src.size(); ++i) {
        ms += src[i];
        md += dst[i];
    }
    ms *= 1.0 / n;
    md *= 1.0 / n;
    // Cross-covariance of the centred sets and the variance of the source.
    cv::Matx22d cov = cv::Matx22d::zeros();
    double var_src = 0;
    for (std::size_t i = 0; i < src.size(); ++i) {
        const cv::Point2d s = src[i] - ms, d = dst[i] - md;
        cov(0, 0) += d.x * s.x;
        cov(0, 1) += d.x * s.y;
        cov(1, 0) += d.y * s.x;
        cov(1, 1) += d.y * s.y;
        var_src += s.x * s.x + s.y * s.y;
    }
    cov *= 1.0 / n;
    var_src /= n;
    if (var_src < 1e-12) throw std::invalid_argument("similarity: source points coincide");

    cv::Matx22d u, vt;
    cv::Matx21d w;
    cv::SVD::compute(cov, w, u, vt);
    // Reflection guard: the best rotation, not the best orthogonal matrix.
    const double det = cv::determinant(u) * cv::determinant(vt);
    const cv::Matx22d d(1, 0, 0, det < 0 ? -1 : 1);
    const cv::Matx22d r = u * d * vt;
    const double scale = (w(0) * d(0, 0) + w(1) * d(1, 1)) / var_src;
    const cv::Point2d t = md - scale * cv::Point2d(r(0, 0) * ms.x + r(0, 1) * ms.y, r(1, 0) * ms.x + r(1, 1) * ms.y);
    return {scale * r(0, 0), scale * r(0, 1), t.x, scale * r(1, 0), scale * r(1, 1), t.y};
}

cv::Matx23d invert_affine(const cv::Matx23d& m) {
    const double det = m(0, 0) * m(1, 1) - m(0, 1) * m(1, 0);
    if (std::abs(det) < 1e-15) throw std::invalid_argument("affine transform is not invertible");
    const double a = m(1, 1) / det, b = -m(0, 1) / det, c = -m(1, 0) / det, d = m(0, 0) / det;
    return {a, b, -(a * m(0, 2) + b * m(1, 2)), c, d, -(c * m(0, 2) + d * m(1, 2))};
}

cv::Matx23d compose(const cv::Matx23d& b, const cv::Matx23d& a) {
    const cv::Matx33d a3(a(0, 0), a(0, 1), a(0, 2), a(1, 0), a(1, 1), a(1, 2), 0, 0, 1);
    const cv::Matx33d b3(b(0, 0), b(0, 1), b(0, 2), b(1, 0), b(1, 1), b(1, 2), 0, 0, 1);
    const cv::Matx33d c = b3 * a3;
    return {c(0, 0), c(0, 1), c(0, 2), c(1, 0), c(1, 1), c(1, 2)};
}

}  // namespace portrait::gpen
