#include "paste_mask.hpp"

#include <opencv2/imgproc.hpp>

namespace portrait::gpen {

cv::Mat make_paste_mask(int size, double feather) {
    constexpr int kBase = 512;               // the reference draws the mask at 512 and resizes it
    constexpr int kFirst = 26, kLast = 486;  // rectangle (26,26)-(486,486), both corners inclusive
    constexpr int kKernel = 101;             // GaussianBlur ksize
    constexpr double kSigma = 4.0;           // applied twice: effective sigma 4 * sqrt(2)
    cv::Mat m(kBase, kBase, CV_32FC1, cv::Scalar(0));
    // On float images OpenCV fills without anti-aliasing, as the reference's LINE_AA did.
    cv::rectangle(m, cv::Point(kFirst, kFirst), cv::Point(kLast, kLast), cv::Scalar(1), cv::FILLED);
    if (feather > 0) {
        const double sigma = kSigma * feather;
        cv::GaussianBlur(m, m, cv::Size(kKernel, kKernel), sigma, sigma, cv::BORDER_REFLECT_101);
        cv::GaussianBlur(m, m, cv::Size(kKernel, kKernel), sigma, sigma, cv::BORDER_REFLECT_101);
    }
    if (size == kBase) return m;
    cv::Mat out;
    cv::resize(m, out, cv::Size(size, size), 0, 0, cv::INTER_LINEAR);
    return out;
}

}  // namespace portrait::gpen
