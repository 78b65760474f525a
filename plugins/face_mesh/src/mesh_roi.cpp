#include "mesh_roi.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace portrait::face {

float normalize_angle(float a) {
    const float two_pi = float(2.0 * CV_PI);
    a = std::fmod(a, two_pi);
    if (a <= -float(CV_PI)) a += two_pi;
    if (a > float(CV_PI)) a -= two_pi;
    return a;
}

cv::Matx23d RotatedSquare::crop_to_image_matrix(int crop_size) const {
    const double k = double(side) / crop_size;
    const double c = std::cos(angle) * k, s = std::sin(angle) * k;
    // crop index i has continuous coordinate i + 0.5; the crop centre is crop_size / 2.
    const double o = 0.5 - crop_size / 2.0;
    return {c, -s, center.x + c * o - s * o,
            s, c, center.y + s * o + c * o};
}

cv::Point2f RotatedSquare::crop_to_image(cv::Point2f p, int crop_size) const {
    const float k = side / float(crop_size);
    const float c = std::cos(angle) * k, s = std::sin(angle) * k;
    const float u = p.x - crop_size / 2.f, v = p.y - crop_size / 2.f;
    return {center.x + c * u - s * v, center.y + s * u + c * v};
}

cv::Point2f RotatedSquare::image_to_crop(cv::Point2f p, int crop_size) const {
    const float k = float(crop_size) / side;
    const float c = std::cos(angle), s = std::sin(angle);
    const float dx = p.x - center.x, dy = p.y - center.y;
    return {k * (c * dx + s * dy) + crop_size / 2.f, k * (-s * dx + c * dy) + crop_size / 2.f};
}

RotatedSquare roi_from_detection(const Detection& det, float scale) {
    const cv::Point2f& a = det.keypoints[kRightEye];
    const cv::Point2f& b = det.keypoints[kLeftEye];
    RotatedSquare r;
    r.center = {det.box.x + det.box.width / 2, det.box.y + det.box.height / 2};
    r.side = scale * std::max(det.box.width, det.box.height);
    r.angle = normalize_angle(std::atan2(b.y - a.y, b.x - a.x));
    return r;
}

RotatedSquare roi_from_landmarks(const std::vector<cv::Point2f>& pts, float scale) {
    if (pts.size() < 264) throw std::invalid_argument("roi_from_landmarks: need the 468-point mesh");
    const cv::Point2f a = pts[33], b = pts[263];
    const float ang = normalize_angle(std::atan2(b.y - a.y, b.x - a.x));
    const float c = std::cos(ang), s = std::sin(ang);
    float u0 = std::numeric_limits<float>::max(), u1 = -u0, v0 = u0, v1 = -u0;
    for (const auto& p : pts) {
        const float u = c * p.x + s * p.y, v = -s * p.x + c * p.y;
        u0 = std::min(u0, u), u1 = std::max(u1, u), v0 = std::min(v0, v), v1 = std::max(v1, v);
    }
    const float uc = (u0 + u1) / 2, vc = (v0 + v1) / 2;
    RotatedSquare r;
    r.center = {c * uc - s * vc, s * uc + c * vc};
    r.side = scale * std::max(u1 - u0, v1 - v0);
    r.angle = ang;
    return r;
}

}  // namespace portrait::face
