#include "squeeze_field.hpp"

#include <algorithm>
#include <cmath>

namespace portrait::face {

namespace {

float smoothstep(float e0, float e1, float x) {
    if (e1 <= e0) return x >= e1 ? 1.f : 0.f;
    const float t = std::clamp((x - e0) / (e1 - e0), 0.f, 1.f);
    return t * t * (3 - 2 * t);
}

// Linear interpolation in a table at fractional index i; 0 outside it.
float lookup(const std::vector<float>& v, float i) {
    if (v.empty() || i < 0.f || i > float(v.size() - 1)) return 0.f;
    const std::size_t k = std::min(std::size_t(i), v.size() - 1);
    const float f = i - float(k);
    return k + 1 < v.size() ? v[k] * (1 - f) + v[k + 1] * f : v[k];
}

}  // namespace

float squeeze_profile(const SqueezeFrame& f, float c, float d) {
    if (d <= c) return smoothstep(f.inner * c, c, d);
    return 1.f - smoothstep(c, c + f.falloff, d);
}

cv::Mat squeeze_offsets(const SqueezeFrame& f, const cv::Rect& rect) {
    cv::Mat out(rect.size(), CV_32FC2, cv::Scalar::all(0));
    for (int y = 0; y < rect.height; ++y) {
        auto* row = out.ptr<cv::Vec2f>(y);
        for (int x = 0; x < rect.width; ++x) {
            const cv::Point2f d = cv::Point2f(float(rect.x + x), float(rect.y + y)) - f.origin;
            const float s = d.dot(f.across), t = d.dot(f.along);
            const SqueezeSide& side = f.side[s >= 0 ? 0 : 1];
            const float i = (t - f.t0) / f.t_step;
            const float amount = lookup(side.amount, i);
            if (amount <= 0.f) continue;
            const float w = squeeze_profile(f, lookup(side.contour, i), std::abs(s));
            if (w <= 0.f) continue;
            // Backward map: a pixel samples from further out, so the contour appears inwards.
            const float o = (s >= 0 ? 1.f : -1.f) * amount * w;
            row[x] = {o * f.across.x, o * f.across.y};
        }
    }
    return out;
}

cv::Rect squeeze_support(const SqueezeFrame& f) {
    int lo = -1, hi = -1;
    float reach = 0.f;
    for (const SqueezeSide& s : f.side)
        for (std::size_t i = 0; i < s.amount.size(); ++i)
            if (s.amount[i] > 0.f) {
                lo = lo < 0 ? int(i) : std::min(lo, int(i));
                hi = std::max(hi, int(i));
                reach = std::max(reach, s.contour[i] + f.falloff);
            }
    if (lo < 0) return {};
    // The squeeze lives in a band |s| <= reach, t in [t(lo-1), t(hi+1)]: its rotated corners.
    const float t_lo = f.t0 + float(lo - 1) * f.t_step, t_hi = f.t0 + float(hi + 1) * f.t_step;
    float x0 = 1e30f, y0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
    for (float s : {-reach, reach})
        for (float t : {t_lo, t_hi}) {
            const cv::Point2f p = f.origin + f.across * s + f.along * t;
            x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
        }
    return cv::Rect(cv::Point(int(std::floor(x0)) - 1, int(std::floor(y0)) - 1),
                    cv::Point(int(std::ceil(x1)) + 2, int(std::ceil(y1)) + 2));
}

}  // namespace portrait::face
