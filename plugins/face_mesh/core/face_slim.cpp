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

float dot(cv::Point2f a, cv::Point2f b) { return a.x * b.x + a.y * b.y; }

}  // namespace

SlimControls slim_controls(const std::vector<cv::Point2f>& m, const SlimOptions& opt, float strength) {
    CV_Assert(m.size() == std::size_t(kMeshPoints));
    SlimControls c;
    // Midline 168 -> 152 turns with the face; u = across the face, v = down it.
    cv::Point2f v = m[kMeshChin] - m[kMeshBetweenEyes];
    v /= std::max(1e-3f, std::hypot(v.x, v.y));
    const cv::Point2f u(-v.y, v.x);
    c.axis_u = u, c.axis_v = v;
    cv::Point2f centre(0, 0);
    for (int i : kFaceOval) centre += m[i];
    centre /= float(kFaceOval.size());
    c.centre = centre;
    for (int i : kFaceOval) {
        c.semi_u = std::max(c.semi_u, std::abs(dot(m[i] - centre, u)));
        c.semi_v = std::max(c.semi_v, std::abs(dot(m[i] - centre, v)));
    }
    // Yaw gate: on a turned face the hidden half of the oval collapses towards the nose in 2D
    // (and the mesh still places points there); fade that side out.
    const float d_right = float(cv::norm(m[kMeshNoseTip] - m[kMeshEarRight]));
    const float d_left = float(cv::norm(m[kMeshNoseTip] - m[kMeshEarLeft]));
    if (opt.yaw_gate && d_right > 0 && d_left > 0) {
        c.side_factor[0] = smoothstep(0.4f, 0.85f, d_right / d_left);
        c.side_factor[1] = smoothstep(0.4f, 0.85f, d_left / d_right);
    }
    const float right_sign = dot(m[kMeshEarRight] - m[kMeshBetweenEyes], u) >= 0 ? 1.f : -1.f;
    for (int k = 0; k < int(kFaceOval.size()); ++k) {
        const cv::Point2f p = m[kFaceOval[k]];
        const int step = std::min(k, int(kFaceOval.size()) - k);
        const float region = step >= kFirstJawStep ? opt.jaw : opt.cheeks;
        const float s = dot(p - m[kMeshBetweenEyes], u);  // signed distance to the midline
        const int side = (s * right_sign >= 0) ? 0 : 1;
        const float f = strength * region * kProfile[step] * opt.max_frac * c.side_factor[side];
        c.original.push_back(p);
        c.target.push_back(p - u * (s * f));
    }
    for (int i : kInnerAnchors) c.original.push_back(m[i]), c.target.push_back(m[i]);
    for (int i : kFaceOval) {
        const cv::Point2f q = centre + (m[i] - centre) * opt.ring_scale;
        c.original.push_back(q), c.target.push_back(q);
    }
    return c;
}

float slim_window(const SlimControls& c, float ring_scale, cv::Point2f p) {
    const cv::Point2f d = p - c.centre;
    const float a = dot(d, c.axis_u) / std::max(1e-3f, c.semi_u), b = dot(d, c.axis_v) / std::max(1e-3f, c.semi_v);
    const float rho = std::sqrt(a * a + b * b);
    return 1.f - smoothstep(1.25f, ring_scale, rho);
}

namespace {

// Field of one face over its support rectangle (dense, windowed), at a given strength.
SlimField face_field(cv::Size image, const std::vector<cv::Point2f>& mesh, const SlimOptions& opt, float strength) {
    SlimField f;
    f.strength = strength;
    const SlimControls c = slim_controls(mesh, opt, strength);
    // Support: bounding box of the window ellipse at ring_scale.
    const float ru = c.semi_u * opt.ring_scale, rv = c.semi_v * opt.ring_scale;
    const float hx = std::hypot(ru * c.axis_u.x, rv * c.axis_v.x), hy = std::hypot(ru * c.axis_u.y, rv * c.axis_v.y);
    cv::Rect rect(cv::Point(int(std::floor(c.centre.x - hx)), int(std::floor(c.centre.y - hy))),
                  cv::Point(int(std::ceil(c.centre.x + hx)) + 1, int(std::ceil(c.centre.y + hy)) + 1));
    rect &= cv::Rect(0, 0, image.width, image.height);
    if (rect.empty()) return f;
    // Backward map: MLS from the moved points to where they came from, so no inversion.
    std::vector<cv::Point2f> from = c.target, to = c.original;
    // Image corners and edge midpoints stay put too (the window already zeroes the field
    // there; as anchors they keep the MLS fit from tilting near a border).
    const float w1 = float(image.width - 1), h1 = float(image.height - 1);
    const cv::Point2f border[] = {{0, 0}, {w1 / 2, 0}, {w1, 0}, {w1, h1 / 2}, {w1, h1}, {w1 / 2, h1}, {0, h1}, {0, h1 / 2}};
    for (const auto& p : border) from.push_back(p), to.push_back(p);
    const cv::Point2f origin(float(rect.x), float(rect.y));
    const int cols = int(std::ceil((rect.width - 1) / opt.grid_step)) + 1;
    const int rows = int(std::ceil((rect.height - 1) / opt.grid_step)) + 1;
    const cv::Mat grid = mls_rigid_grid(from, to, origin, opt.grid_step, cols, rows);
    cv::Mat dense = upsample_grid(grid, origin, opt.grid_step, rect);
    for (int y = 0; y < rect.height; ++y) {
        auto* row = dense.ptr<cv::Vec2f>(y);
        for (int x = 0; x < rect.width; ++x) {
            const float w = slim_window(c, opt.ring_scale, {float(rect.x + x), float(rect.y + y)});
            row[x] = w > 0.f ? row[x] * w : cv::Vec2f(0.f, 0.f);  // exactly zero outside the window
        }
    }
    f.rect = rect;
    f.offsets = dense;
    f.min_jacobian = min_jacobian(dense, 1.f);
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
        // Safety: a map that squeezes pixels too much (tiny or extreme faces) folds the
        // image; back off the strength until it does not.
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
