#include "face_slim.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "face_landmarks.hpp"
#include "mls_warp.hpp"

namespace portrait::face {

namespace {

float smoothstep(float e0, float e1, float x) {
    const float t = std::clamp((x - e0) / (e1 - e0), 0.f, 1.f);
    return t * t * (3 - 2 * t);
}

// Weight along the oval by ring steps from the forehead (0) to the chin (18): still at the
// forehead, rising through the temples, full at the lower cheek / jaw angle, easing to the chin.
constexpr float kProfile[19] = {0.f,  0.f,  0.f,  0.f,  0.15f, 0.3f, 0.45f, 0.6f,  0.75f, 0.85f,
                                1.f,  1.f,  1.f,  0.9f, 0.75f, 0.55f, 0.35f, 0.15f, 0.f};
constexpr int kFirstJawStep = 12;  // steps 4..11 are "cheeks", 12..17 "jaw"
constexpr int kChinStep = 18;
constexpr int kMeshEyeOuterRight = 33, kMeshEyeOuterLeft = 263;  // outer eye corners

float dot(cv::Point2f a, cv::Point2f b) { return a.x * b.x + a.y * b.y; }

struct Sample {
    float t, contour, amount;
};

// Nothing moves above the outer eye corners; the squeeze eases in down to the nose tip, so
// eyes and brows keep their shape while the lower cheeks and jaw take the slimming.
struct Gate {
    float top = 0.f, full = 1.f;  // heights along the midline
    float operator()(float t) const { return smoothstep(top, full, t); }
};

// One side's samples (forehead to chin) -> evenly spaced, smoothed tables along the midline.
void tabulate(std::vector<Sample> s, const SqueezeFrame& f, int n, float sigma_steps, const Gate& gate,
              SqueezeSide& out) {
    for (std::size_t i = 1; i < s.size(); ++i) s[i].t = std::max(s[i].t, s[i - 1].t + 1e-3f);  // keep t increasing
    out.contour.assign(std::size_t(n), 0.f);
    out.amount.assign(std::size_t(n), 0.f);
    std::size_t k = 0;
    for (int i = 0; i < n; ++i) {
        const float t = f.t0 + float(i) * f.t_step;
        while (k + 1 < s.size() && s[k + 1].t < t) ++k;
        if (t <= s.front().t) out.contour[i] = s.front().contour;  // amount 0 above the forehead
        else if (t >= s.back().t) out.contour[i] = s.back().contour;  // and below the chin
        else {
            const float a = (t - s[k].t) / (s[k + 1].t - s[k].t);
            out.contour[i] = s[k].contour * (1 - a) + s[k + 1].contour * a;
            out.amount[i] = s[k].amount * (1 - a) + s[k + 1].amount * a;
        }
    }
    // The oval is a polygon: smoothing its tables keeps the squeeze free of creases.
    if (sigma_steps > 0.5f) {
        cv::Mat c(1, n, CV_32F, out.contour.data()), a(1, n, CV_32F, out.amount.data());
        const cv::Size k(2 * int(std::ceil(3 * sigma_steps)) + 1, 1);  // along the table only
        cv::GaussianBlur(c, c, k, sigma_steps, 0, cv::BORDER_REPLICATE);
        cv::GaussianBlur(a, a, k, sigma_steps, 0, cv::BORDER_CONSTANT);
    }
    for (int i = 0; i < n; ++i) {
        float& v = out.amount[std::size_t(i)];
        v *= gate(f.t0 + float(i) * f.t_step);
        v = v > 1e-3f ? v : 0.f;  // exact zero where nothing moves
    }
}

}  // namespace

SlimControls slim_controls(const std::vector<cv::Point2f>& m, const SlimOptions& opt, float strength) {
    CV_Assert(m.size() == std::size_t(kMeshPoints));
    SlimControls c;
    // Midline 168 -> 152 turns with the face; u = across the face, v = down it.
    const cv::Point2f o = m[kMeshBetweenEyes];
    cv::Point2f v = m[kMeshChin] - o;
    v /= std::max(1e-3f, std::hypot(v.x, v.y));
    const cv::Point2f u(-v.y, v.x);
    // Yaw gate: on a turned face the hidden half of the oval collapses towards the nose in 2D
    // (and the mesh still places points there); fade that side out.
    const float d_right = float(cv::norm(m[kMeshNoseTip] - m[kMeshEarRight]));
    const float d_left = float(cv::norm(m[kMeshNoseTip] - m[kMeshEarLeft]));
    if (opt.yaw_gate && d_right > 0 && d_left > 0) {
        c.side_factor[0] = smoothstep(0.4f, 0.85f, d_right / d_left);
        c.side_factor[1] = smoothstep(0.4f, 0.85f, d_left / d_right);
    }
    const float right_sign = dot(m[kMeshEarRight] - o, u) >= 0 ? 1.f : -1.f;
    Gate gate;
    gate.top = 0.5f * (dot(m[kMeshEyeOuterRight] - o, v) + dot(m[kMeshEyeOuterLeft] - o, v));
    gate.full = std::max(gate.top + 1.f, dot(m[kMeshNoseTip] - o, v));
    const int n_oval = int(kFaceOval.size());
    std::vector<Sample> half[2];  // squeeze side 0 (s >= 0) and 1, forehead to chin
    float t_min = 0.f, t_max = 0.f;
    c.original.resize(std::size_t(n_oval));
    c.target.resize(std::size_t(n_oval));
    for (int k = 0; k < n_oval; ++k) {
        const cv::Point2f p = m[kFaceOval[k]];
        const int step = std::min(k, n_oval - k);
        const float s = dot(p - o, u), t = dot(p - o, v);  // signed distance to the midline, height
        // Positions 1..17 run down the subject's left, 19..35 the right; 0 and 18 are on the midline.
        const int subject_side = k > kChinStep ? 0 : (k == 0 || k == kChinStep) ? -1 : 1;
        const float region = step >= kFirstJawStep ? opt.jaw : opt.cheeks;
        const float yaw = subject_side < 0 ? 1.f : c.side_factor[subject_side];
        const float f = std::min(0.9f, strength * region * kProfile[step] * opt.max_frac * yaw);
        c.original[std::size_t(k)] = p;
        c.target[std::size_t(k)] = p - u * (s * f * gate(t));  // nominal: the tables are smoothed
        c.half_width = std::max(c.half_width, std::abs(s));
        t_min = std::min(t_min, t), t_max = std::max(t_max, t);
        const Sample smp{t, std::abs(s) * (1 - f), std::abs(s) * f};
        // Midline points belong to both halves; each half is on one side of the midline.
        const float side_sign = subject_side == 0 ? right_sign : -right_sign;
        if (subject_side < 0) half[0].push_back(smp), half[1].push_back(smp);
        else half[side_sign > 0 ? 0 : 1].push_back(smp);
    }
    for (auto& h : half) std::sort(h.begin(), h.end(), [](const Sample& a, const Sample& b) { return a.t < b.t; });
    SqueezeFrame& q = c.squeeze;
    q.origin = o, q.across = u, q.along = v;
    q.inner = opt.inner;
    q.falloff = std::max(1.f, opt.falloff * c.half_width);
    const float height = std::max(1.f, t_max - t_min);
    const float sigma = opt.smooth * height;
    q.t_step = std::max(0.5f, height / 256.f);
    q.t0 = t_min - 3 * sigma;
    const int n = int(std::ceil((t_max + 3 * sigma - q.t0) / q.t_step)) + 1;
    for (int i = 0; i < 2; ++i) tabulate(half[i], q, n, sigma / q.t_step, gate, q.side[i]);
    return c;
}

namespace {

// Field of one face over its support rectangle, at a given strength.
SlimField face_field(cv::Size image, const std::vector<cv::Point2f>& mesh, const SlimOptions& opt, float strength) {
    SlimField f;
    f.strength = strength;
    const SlimControls c = slim_controls(mesh, opt, strength);
    const cv::Rect rect = squeeze_support(c.squeeze) & cv::Rect(0, 0, image.width, image.height);
    if (rect.empty()) return f;
    f.rect = rect;
    f.offsets = squeeze_offsets(c.squeeze, rect);
    f.min_jacobian = min_jacobian(f.offsets, 1.f);
    return f;
}

}  // namespace

SlimField slim_field(cv::Size image, const std::vector<std::vector<cv::Point2f>>& meshes, const SlimOptions& opt) {
    SlimField total;
    total.strength = opt.strength;
    if (opt.strength <= 0.f || meshes.empty() || image.empty()) return total;
    std::vector<SlimField> parts;
    for (const auto& m : meshes) {
        float s = opt.strength;
        SlimField f = face_field(image, m, opt, s);
        // Safety: a map that stretches pixels too much (tiny or extreme faces) looks smeared
        // and near 0 folds the image; back off the strength until it does not.
        for (int tries = 0; tries < 6 && f.min_jacobian < opt.min_jacobian; ++tries)
            f = face_field(image, m, opt, s *= 0.7f);
        if (f.rect.empty()) continue;
        total.strength = std::min(total.strength, f.strength);
        total.min_jacobian = std::min(total.min_jacobian, f.min_jacobian);
        parts.push_back(std::move(f));
    }
    if (parts.empty()) return total;
    cv::Rect u = parts[0].rect;
    for (const auto& p : parts) u |= p.rect;
    total.rect = u;
    total.offsets = cv::Mat::zeros(u.size(), CV_32FC2);
    for (const auto& p : parts) {
        cv::Mat dst = total.offsets(p.rect - u.tl());
        dst += p.offsets;
    }
    return total;
}
cv::Mat apply_slim(const cv::Mat& img, const SlimField& f) {
    cv::Mat out = img.clone();
    if (f.rect.empty()) return out;
    cv::Mat mx(f.rect.size(), CV_32F), my(f.rect.size(), CV_32F);
    cv::Mat keep(f.rect.size(), CV_8U);
    for (int y = 0; y < f.rect.height; ++y) {
        const auto* o = f.offsets.ptr<cv::Vec2f>(y);
        float* ax = mx.ptr<float>(y);
        float* ay = my.ptr<float>(y);
        uchar* k = keep.ptr<uchar>(y);
        for (int x = 0; x < f.rect.width; ++x) {
            ax[x] = float(f.rect.x + x) + o[x][0];
            ay[x] = float(f.rect.y + y) + o[x][1];
            k[x] = (o[x][0] == 0.f && o[x][1] == 0.f) ? 255 : 0;
        }
    }
    cv::Mat roi = out(f.rect);
    cv::remap(img, roi, mx, my, cv::INTER_CUBIC, cv::BORDER_REFLECT_101);
    img(f.rect).copyTo(roi, keep);  // untouched pixels stay bit-identical
    return out;
}

cv::Mat slim_map(cv::Size image, const SlimField& f) {
    cv::Mat map(image, CV_32FC2);
    for (int y = 0; y < image.height; ++y) {
        auto* r = map.ptr<cv::Vec2f>(y);
        for (int x = 0; x < image.width; ++x) r[x] = {float(x), float(y)};
    }
    if (!f.rect.empty()) {
        cv::Mat roi = map(f.rect);
        roi += f.offsets;
    }
    return map;
}

}  // namespace portrait::face
