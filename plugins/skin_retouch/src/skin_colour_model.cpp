#include "skin_colour_model.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace portrait::skin {
namespace {

constexpr int kMinSamples = 30;
// Lower bound on the chroma standard deviation (8-bit units), so a very uniform
// sample does not make the model reject ordinary shading.
constexpr float kMinChromaStd = 4.0f;

}  // namespace

bool SkinColourModel::fit(const cv::Mat& bgr, const cv::Mat& sample_mask) {
    CV_Assert(bgr.type() == CV_8UC3 && sample_mask.type() == CV_8U && bgr.size() == sample_mask.size());
    fitted_ = false;
    cv::Mat ycc;
    cv::cvtColor(bgr, ycc, cv::COLOR_BGR2YCrCb);
    std::vector<cv::Vec3f> s;
    for (int y = 0; y < ycc.rows; ++y) {
        const auto* m = sample_mask.ptr<uchar>(y);
        const auto* p = ycc.ptr<cv::Vec3b>(y);
        for (int x = 0; x < ycc.cols; ++x)
            if (m[x]) s.emplace_back(p[x][0], p[x][1], p[x][2]);
    }
    if (int(s.size()) < kMinSamples) return false;

    // Two passes: fit, drop samples beyond 3 sigma (stray hair, specular spots), refit.
    std::vector<char> keep(s.size(), 1);
    for (int pass = 0; pass < 2; ++pass) {
        double n = 0, mr = 0, mb = 0, my = 0;
        for (std::size_t i = 0; i < s.size(); ++i)
            if (keep[i]) n += 1, my += s[i][0], mr += s[i][1], mb += s[i][2];
        if (n < kMinSamples) return false;
        mr /= n, mb /= n, my /= n;
        double crr = 0, cbb = 0, crb = 0;
        for (std::size_t i = 0; i < s.size(); ++i)
            if (keep[i]) {
                const double a = s[i][1] - mr, b = s[i][2] - mb;
                crr += a * a, cbb += b * b, crb += a * b;
            }
        const double floor2 = double(kMinChromaStd) * kMinChromaStd;
        crr = std::max(crr / n, floor2), cbb = std::max(cbb / n, floor2), crb /= n;
        const double det = crr * cbb - crb * crb;
        mean_ = {float(mr), float(mb)};
        inv_cov_ = cv::Matx22f(float(cbb / det), float(-crb / det), float(-crb / det), float(crr / det));
        luma_ = float(my);
        if (pass == 0)
            for (std::size_t i = 0; i < s.size(); ++i) {
                const float a = s[i][1] - mean_[0], b = s[i][2] - mean_[1];
                const float d2 = a * (inv_cov_(0, 0) * a + inv_cov_(0, 1) * b) + b * (inv_cov_(1, 0) * a + inv_cov_(1, 1) * b);
                keep[i] = d2 <= 9.f;
            }
    }
    fitted_ = true;
    return true;
}

bool SkinColourModel::fit_landmarks(const cv::Mat& bgr, const std::vector<cv::Point2f>& points, float radius) {
    cv::Mat m = cv::Mat::zeros(bgr.size(), CV_8U);
    const int r = std::max(1, int(std::lround(radius)));
    for (const auto& p : points) cv::circle(m, cv::Point(int(std::lround(p.x)), int(std::lround(p.y))), r, 255, cv::FILLED);
    return fit(bgr, m);
}

cv::Mat SkinColourModel::probability(const cv::Mat& bgr, float inner, float outer) const {
    cv::Mat prob(bgr.size(), CV_32F, cv::Scalar(1));
    if (!fitted_) return prob;
    cv::Mat ycc;
    cv::cvtColor(bgr, ycc, cv::COLOR_BGR2YCrCb);
    // Dark cut-off: below 35 % of the skin's mean luma nothing is skin; full at 55 %.
    const float dark0 = 0.35f * luma_, dark1 = 0.55f * luma_;
    const float span = outer - inner;
    for (int y = 0; y < ycc.rows; ++y) {
        const auto* p = ycc.ptr<cv::Vec3b>(y);
        auto* o = prob.ptr<float>(y);
        for (int x = 0; x < ycc.cols; ++x) {
            const float a = p[x][1] - mean_[0], b = p[x][2] - mean_[1];
            const float d2 = a * (inv_cov_(0, 0) * a + inv_cov_(0, 1) * b) + b * (inv_cov_(1, 0) * a + inv_cov_(1, 1) * b);
            const float d = std::sqrt(d2);
            float v = d <= inner ? 1.f : d >= outer ? 0.f : (outer - d) / span;
            const float l = p[x][0];
            if (l < dark1) v *= l <= dark0 ? 0.f : (l - dark0) / (dark1 - dark0);
            o[x] = v;
        }
    }
    return prob;
}

}  // namespace portrait::skin
