#include "quality_gate.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

namespace portrait::gpen {

cv::Mat truncate_to_8bit(const cv::Mat& face) {
    CV_Assert(face.type() == CV_32FC3);
    cv::Mat out(face.size(), CV_8UC3);
    for (int y = 0; y < face.rows; ++y) {
        const float* s = face.ptr<float>(y);
        uchar* d = out.ptr<uchar>(y);
        for (int i = 0; i < face.cols * 3; ++i) {
            const float v = s[i] < 0.f ? 0.f : (s[i] > 255.f ? 255.f : s[i]);
            d[i] = uchar(v);  // toward zero
        }
    }
    return out;
}

cv::Mat restored_gate_crop(const cv::Mat& face) {
    CV_Assert(face.type() == CV_8UC3 && face.rows == face.cols);
    const int s = face.rows;
    auto edge = [s](int k) { return s >= 256 ? k * (s / 256) : int(std::lround(k * s / 256.0)); };
    const cv::Rect roi(cv::Point(edge(32), edge(35)), cv::Point(s - edge(36), s - edge(33)));
    cv::Mat out;
    cv::resize(face(roi), out, cv::Size(kGateCrop, kGateCrop), 0, 0, cv::INTER_LINEAR);
    return out;
}

double identity_distance(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size() || a.empty()) throw std::invalid_argument("identity_distance: features of different sizes");
    // scipy's cosine distance, 1 - u.v / (|u| |v|); recipe test weights reach 1e24, so the
    // sums are kept in double.
    double uv = 0, uu = 0, vv = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        uv += double(a[i]) * b[i];
        uu += double(a[i]) * a[i];
        vv += double(b[i]) * b[i];
    }
    if (uu <= 0 || vv <= 0) return 0.5;  // a zero feature: cosine undefined; call it unrelated
    const double d = 1.0 - uv / (std::sqrt(uu) * std::sqrt(vv));
    return 0.5 * std::min(2.0, std::max(0.0, d));  // scipy clips to [0, 2]  // the 2 x 2 matrix has zeros on its diagonal
}

}  // namespace portrait::gpen
