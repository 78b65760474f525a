#include "color_fix.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <opencv2/imgproc.hpp>

namespace portrait::gpen {

ColorFix parse_color_fix(const std::string& name) {
    if (name == "none") return ColorFix::none;
    if (name == "mean_std") return ColorFix::mean_std;
    if (name == "wavelet") return ColorFix::wavelet;
    throw std::invalid_argument("color_fix: unknown method '" + name + "' (none, mean_std, wavelet)");
}

namespace {

// One level: the [1 2 1]/4 filter with taps `step` apart, in x and then y.
cv::Mat dilated_blur(const cv::Mat& x, int step) {
    cv::Mat p;
    cv::copyMakeBorder(x, p, step, step, step, step, cv::BORDER_REPLICATE);
    const int w = x.cols, h = x.rows, r = step;
    cv::Mat row = 0.25 * (p(cv::Rect(0, 0, w, h + 2 * r)) + p(cv::Rect(2 * r, 0, w, h + 2 * r))) +
                  0.5 * p(cv::Rect(r, 0, w, h + 2 * r));
    cv::Mat out = 0.25 * (row(cv::Rect(0, 0, w, h)) + row(cv::Rect(0, 2 * r, w, h))) + 0.5 * row(cv::Rect(0, r, w, h));
    return out;
}

cv::Mat mean_std(const cv::Mat& restored, const cv::Mat& original, const cv::Mat& weight) {
    const double wsum = cv::sum(weight)[0];
    if (wsum < 1.0) return restored.clone();  // no face pixel inside the image
    cv::Mat orig_f;
    original.convertTo(orig_f, CV_32FC3);
    cv::Mat w3;
    cv::merge(std::vector<cv::Mat>{weight, weight, weight}, w3);
    auto stats = [&](const cv::Mat& x, cv::Scalar& mean, cv::Scalar& sd) {
        mean = cv::sum(x.mul(w3)) / wsum;
        cv::Mat d = x - mean;
        const cv::Scalar var = cv::sum(d.mul(d).mul(w3)) / wsum;
        for (int c = 0; c < 3; ++c) sd[c] = std::sqrt(std::max(var[c], 0.0));
    };
    cv::Scalar mo, so, me, se;
    stats(orig_f, mo, so);
    stats(restored, me, se);
    std::vector<cv::Mat> ch;
    cv::split(restored, ch);
    for (int c = 0; c < 3; ++c) {
        const double gain = se[c] > 1e-6 ? so[c] / se[c] : 1.0;
        ch[c].convertTo(ch[c], CV_32F, gain, mo[c] - gain * me[c]);
    }
    cv::Mat out;
    cv::merge(ch, out);
    return out;
}

cv::Mat wavelet(const cv::Mat& restored, const cv::Mat& original, const cv::Mat& inside) {
    const int levels = wavelet_levels(restored.rows);
    cv::Mat orig_f, in3;
    original.convertTo(orig_f, CV_32FC3);
    cv::merge(std::vector<cv::Mat>{inside, inside, inside}, in3);
    // Low-pass weighted by `inside` (normalised convolution), so the black border outside
    // the image contributes nothing to either low-pass.
    const cv::Mat lw = wavelet_lowpass(in3, levels);
    const cv::Mat lo = wavelet_lowpass(orig_f.mul(in3), levels);
    const cv::Mat le = wavelet_lowpass(restored.mul(in3), levels);
    cv::Mat out = restored.clone();
    for (int y = 0; y < out.rows; ++y) {
        const cv::Vec3f* w = lw.ptr<cv::Vec3f>(y);
        const cv::Vec3f* o = lo.ptr<cv::Vec3f>(y);
        const cv::Vec3f* e = le.ptr<cv::Vec3f>(y);
        cv::Vec3f* d = out.ptr<cv::Vec3f>(y);
        for (int x = 0; x < out.cols; ++x)
            if (w[x][0] > 1e-3f)
                for (int c = 0; c < 3; ++c) d[x][c] += (o[x][c] - e[x][c]) / w[x][c];
    }
    return out;
}

}  // namespace

int wavelet_levels(int crop_size) {
    const int extra = int(std::lround(std::log2(std::max(crop_size, 1) / 512.0)));
    return std::max(1, 5 + extra);
}

cv::Mat wavelet_lowpass(const cv::Mat& image, int levels) {
    cv::Mat x = image;
    for (int i = 0; i < levels; ++i) x = dilated_blur(x, 1 << i);
    return x;
}

cv::Mat color_fix(const cv::Mat& restored, const cv::Mat& original, const cv::Mat& inside, const cv::Mat& mask,
                  ColorFix how) {
    CV_Assert(restored.type() == CV_32FC3 && original.type() == CV_8UC3 && inside.type() == CV_32FC1 &&
              mask.type() == CV_32FC1 && restored.size() == original.size() && inside.size() == restored.size() &&
              mask.size() == restored.size());
    switch (how) {
        case ColorFix::none: return restored.clone();
        case ColorFix::mean_std: return mean_std(restored, original, inside.mul(mask));
        case ColorFix::wavelet: return wavelet(restored, original, inside);
    }
    return restored.clone();
}

}  // namespace portrait::gpen
