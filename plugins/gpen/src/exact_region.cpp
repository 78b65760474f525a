#include "exact_region.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace portrait::gpen {

cv::Mat warp_affine_region(const cv::Mat& src, cv::Point src_origin, const cv::Matx23d& src_to_dst,
                           cv::Rect dst_rect) {
    CV_Assert(!src.empty() && dst_rect.width > 0 && dst_rect.height > 0);
    // The destination -> source map exactly as cv::warpAffine inverts its matrix.
    double m[6] = {src_to_dst(0, 0), src_to_dst(0, 1), src_to_dst(0, 2),
                   src_to_dst(1, 0), src_to_dst(1, 1), src_to_dst(1, 2)};
    double d = m[0] * m[4] - m[1] * m[3];
    d = d != 0 ? 1. / d : 0;
    const double a11 = m[4] * d, a22 = m[0] * d;
    m[0] = a11;
    m[1] *= -d;
    m[3] *= -d;
    m[4] = a22;
    const double b1 = -m[0] * m[2] - m[1] * m[5];
    const double b2 = -m[3] * m[2] - m[4] * m[5];
    m[2] = b1;
    m[5] = b2;

    // OpenCV's fixed point: source coordinates in 1/1024 px, x- and y-terms rounded
    // separately from the whole image's pixel indices, then cut to 1/32 px steps.
    constexpr int kAbBits = 10, kAbScale = 1 << kAbBits;
    constexpr int kRoundDelta = kAbScale / cv::INTER_TAB_SIZE / 2;
    std::vector<int> adelta(dst_rect.width), bdelta(dst_rect.width);
    for (int x = 0; x < dst_rect.width; ++x) {
        const int gx = dst_rect.x + x;
        adelta[x] = cv::saturate_cast<int>(m[0] * gx * kAbScale);
        bdelta[x] = cv::saturate_cast<int>(m[3] * gx * kAbScale);
    }
    cv::Mat xy(dst_rect.size(), CV_16SC2), alpha(dst_rect.size(), CV_16UC1);
    for (int y = 0; y < dst_rect.height; ++y) {
        const int gy = dst_rect.y + y;
        const int x0 = cv::saturate_cast<int>((m[1] * gy + m[2]) * kAbScale) + kRoundDelta;
        const int y0 = cv::saturate_cast<int>((m[4] * gy + m[5]) * kAbScale) + kRoundDelta;
        short* pxy = xy.ptr<short>(y);
        ushort* pa = alpha.ptr<ushort>(y);
        for (int x = 0; x < dst_rect.width; ++x) {
            const int sx = (x0 + adelta[x]) >> (kAbBits - cv::INTER_BITS);
            const int sy = (y0 + bdelta[x]) >> (kAbBits - cv::INTER_BITS);
            pxy[2 * x] = cv::saturate_cast<short>((sx >> cv::INTER_BITS) - src_origin.x);
            pxy[2 * x + 1] = cv::saturate_cast<short>((sy >> cv::INTER_BITS) - src_origin.y);
            pa[x] = ushort((sy & (cv::INTER_TAB_SIZE - 1)) * cv::INTER_TAB_SIZE + (sx & (cv::INTER_TAB_SIZE - 1)));
        }
    }
    cv::Mat out;
    cv::remap(src, out, xy, alpha, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(0));
    return out;
}

cv::Rect warp_source_rect(const cv::Matx23d& src_to_dst, cv::Rect dst_rect, cv::Size src_size) {
    const cv::Matx22d a(src_to_dst(0, 0), src_to_dst(0, 1), src_to_dst(1, 0), src_to_dst(1, 1));
    const cv::Matx22d ai = a.inv();
    const cv::Vec2d t(src_to_dst(0, 2), src_to_dst(1, 2));
    double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
    for (const cv::Vec2d& c : {cv::Vec2d(dst_rect.x, dst_rect.y), cv::Vec2d(dst_rect.x + dst_rect.width, dst_rect.y),
                              cv::Vec2d(dst_rect.x, dst_rect.y + dst_rect.height),
                              cv::Vec2d(dst_rect.x + dst_rect.width, dst_rect.y + dst_rect.height)}) {
        const cv::Vec2d s = ai * (c - t);
        x0 = std::min(x0, s[0]), y0 = std::min(y0, s[1]), x1 = std::max(x1, s[0]), y1 = std::max(y1, s[1]);
    }
    const double lim = 1e8;  // keeps the int conversion defined for degenerate transforms
    const int l = int(std::floor(std::max(x0, -lim))) - 1, t0 = int(std::floor(std::max(y0, -lim))) - 1;
    const int r = int(std::ceil(std::min(x1, lim))) + 2, b = int(std::ceil(std::min(y1, lim))) + 2;
    return cv::Rect(l, t0, r - l, b - t0) & cv::Rect(cv::Point(0, 0), src_size);
}

cv::Mat resize_region(const cv::Mat& image, int factor, cv::Rect rect) {
    CV_Assert((factor == 1 || factor == 2 || factor == 4) && !image.empty());
    rect &= cv::Rect(cv::Point(0, 0), image.size() * factor);
    if (rect.empty()) return cv::Mat(0, 0, image.type());
    // Output pixel j reads input (j + 0.5) / factor - 0.5 and its right neighbour; a pixel of
    // margin keeps the part's own border handling away from the pixels we keep.
    auto first = [&](int j) { return int(std::floor((j + 0.5) / factor - 0.5)) - 1; };
    auto last = [&](int j) { return int(std::floor((j + 0.5) / factor - 0.5)) + 2; };
    const cv::Rect part = cv::Rect(cv::Point(first(rect.x), first(rect.y)),
                                   cv::Point(last(rect.br().x - 1) + 1, last(rect.br().y - 1) + 1)) &
                          cv::Rect(cv::Point(0, 0), image.size());
    cv::Mat up;
    cv::resize(image(part), up, part.size() * factor, 0, 0, cv::INTER_LINEAR);
    return up(cv::Rect(rect.tl() - part.tl() * factor, rect.size())).clone();
}

}  // namespace portrait::gpen
