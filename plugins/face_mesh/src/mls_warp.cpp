#include "mls_warp.hpp"

#include <cmath>
#include <limits>

#include <opencv2/imgproc.hpp>

namespace portrait::face {

cv::Point2f mls_rigid(const std::vector<cv::Point2f>& from, const std::vector<cv::Point2f>& to, cv::Point2f v,
                      float alpha) {
    CV_Assert(from.size() == to.size() && !from.empty());
    const std::size_t n = from.size();
    thread_local std::vector<double> w;
    w.resize(n);
    double ws = 0, px = 0, py = 0, qx = 0, qy = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double dx = from[i].x - v.x, dy = from[i].y - v.y;
        const double d2 = dx * dx + dy * dy;
        if (d2 < 1e-12) return to[i];  // on a control point the map interpolates it
        w[i] = alpha == 1.f ? 1.0 / d2 : std::pow(d2, -double(alpha));
        ws += w[i];
        px += w[i] * from[i].x, py += w[i] * from[i].y;
        qx += w[i] * to[i].x, qy += w[i] * to[i].y;
    }
    px /= ws, py /= ws, qx /= ws, qy /= ws;
    // The best rotation of the centred `from` set onto the centred `to` set, weighted:
    // angle = atan2(sum w (p x q), sum w (p . q)). Rigid MLS = that rotation about the centroids.
    double dot = 0, cross = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double ax = from[i].x - px, ay = from[i].y - py;
        const double bx = to[i].x - qx, by = to[i].y - qy;
        dot += w[i] * (ax * bx + ay * by);
        cross += w[i] * (ax * by - ay * bx);
    }
    const double norm = std::hypot(dot, cross);
    const double c = norm > 0 ? dot / norm : 1.0, s = norm > 0 ? cross / norm : 0.0;
    const double dx = v.x - px, dy = v.y - py;
    return {float(c * dx - s * dy + qx), float(s * dx + c * dy + qy)};
}

cv::Mat mls_rigid_grid(const std::vector<cv::Point2f>& from, const std::vector<cv::Point2f>& to, cv::Point2f origin,
                       float step, int cols, int rows, float alpha) {
    cv::Mat out(rows, cols, CV_32FC2);
    cv::parallel_for_(cv::Range(0, rows), [&](const cv::Range& r) {
        for (int j = r.start; j < r.end; ++j) {
            auto* row = out.ptr<cv::Vec2f>(j);
            for (int i = 0; i < cols; ++i) {
                const cv::Point2f v(origin.x + i * step, origin.y + j * step);
                const cv::Point2f f = mls_rigid(from, to, v, alpha);
                row[i] = {f.x - v.x, f.y - v.y};
            }
        }
    });
    return out;
}

cv::Mat upsample_grid(const cv::Mat& grid, cv::Point2f origin, float step, const cv::Rect& rect) {
    cv::Mat mx(rect.size(), CV_32F), my(rect.size(), CV_32F);
    for (int y = 0; y < rect.height; ++y) {
        float* ax = mx.ptr<float>(y);
        float* ay = my.ptr<float>(y);
        const float gy = (rect.y + y - origin.y) / step;
        for (int x = 0; x < rect.width; ++x) {
            ax[x] = (rect.x + x - origin.x) / step;
            ay[x] = gy;
        }
    }
    cv::Mat dense;
    cv::remap(grid, dense, mx, my, cv::INTER_CUBIC, cv::BORDER_REPLICATE);
    return dense;
}

double min_jacobian(const cv::Mat& off, float step) {
    CV_Assert(off.type() == CV_32FC2);
    double best = std::numeric_limits<double>::infinity();
    for (int y = 0; y + 1 < off.rows; ++y)
        for (int x = 0; x + 1 < off.cols; ++x) {
            const cv::Vec2f a = off.at<cv::Vec2f>(y, x), bx = off.at<cv::Vec2f>(y, x + 1),
                            by = off.at<cv::Vec2f>(y + 1, x);
            const double dxx = 1 + (bx[0] - a[0]) / step, dxy = (by[0] - a[0]) / step;
            const double dyx = (bx[1] - a[1]) / step, dyy = 1 + (by[1] - a[1]) / step;
            best = std::min(best, dxx * dyy - dxy * dyx);
        }
    return off.rows > 1 && off.cols > 1 ? best : 1.0;
}

}  // namespace portrait::face
