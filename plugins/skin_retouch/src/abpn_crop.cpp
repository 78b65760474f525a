#include "abpn_crop.hpp"

#include <algorithm>

#include <opencv2/imgproc.hpp>

namespace portrait::skin {

cv::Rect abpn_crop_box(const cv::Rect2f& box, cv::Size image) {
    const int x1 = int(box.x), y1 = int(box.y);
    const int x2 = int(box.x + box.width), y2 = int(box.y + box.height);
    const int side = int(1.5 * std::max(x2 - x1, y2 - y1));
    const double cx = (x1 + x2) / 2.0, cy = (y1 + y2) / 2.0;
    // static_cast truncates toward zero, like Python's int().
    const int l = int(cx - side / 2.0), r = int(cx + side / 2.0);
    const int t = int(cy - side / 2.0), b = int(cy + side / 2.0);
    const int L = std::max(l, 0), T = std::max(t, 0);
    const int R = std::min(r, image.width), B = std::min(b, image.height);
    if (R <= L || B <= T) return {};
    return {L, T, R - L, B - T};
}

cv::Mat abpn_diffuse_mask(cv::Size size) {
    constexpr int n = 500, ramp = 20;
    auto r = [](int k) -> float {
        if (k <= ramp) return float(k) / ramp;
        if (k <= n - ramp) return 1.f;
        return float(n - k) / ramp;
    };
    cv::Mat m(n, n, CV_32F);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) m.at<float>(i, j) = std::min(r(i), r(j));
    cv::Mat out;
    cv::resize(m, out, size, 0, 0, cv::INTER_LINEAR);
    return out;
}

}  // namespace portrait::skin
