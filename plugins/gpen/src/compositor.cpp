#include "compositor.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "similarity.hpp"

namespace portrait::gpen {

cv::Rect footprint(const cv::Matx23d& crop_to_out, int size, cv::Size image) {
    double x0 = 1e300, y0 = 1e300, x1 = -1e300, y1 = -1e300;
    for (const cv::Point2d c : {cv::Point2d(0, 0), cv::Point2d(size, 0), cv::Point2d(0, size), cv::Point2d(size, size)}) {
        const cv::Point2d p = apply(crop_to_out, c);
        x0 = std::min(x0, p.x), y0 = std::min(y0, p.y), x1 = std::max(x1, p.x), y1 = std::max(y1, p.y);
    }
    const int l = int(std::floor(x0)) - 1, t = int(std::floor(y0)) - 1;
    const cv::Rect r(l, t, int(std::ceil(x1)) + 2 - l, int(std::ceil(y1)) + 2 - t);
    return r & cv::Rect(cv::Point(0, 0), image);
}

Compositor::Compositor(cv::Mat& output, cv::Rect region, cv::Mat mask)
    : out_(output), region_(region & cv::Rect(cv::Point(0, 0), output.size())), mask_(std::move(mask)) {
    CV_Assert(out_.type() == CV_8UC3 && mask_.type() == CV_32FC1 && mask_.rows == mask_.cols);
    background_ = out_(region_).clone();
    best_ = cv::Mat(region_.size(), CV_32FC1, cv::Scalar(0));
}

void Compositor::add(const cv::Mat& face, const cv::Matx23d& crop_to_out) {
    CV_Assert(face.type() == CV_32FC3 && face.size() == mask_.size());
    const cv::Rect roi = footprint(crop_to_out, mask_.rows, out_.size()) & region_;
    if (roi.empty()) return;
    // Warp only into the face's own rectangle: shift the transform to its origin.
    cv::Matx23d t = crop_to_out;
    t(0, 2) -= roi.x;
    t(1, 2) -= roi.y;
    cv::Mat m, f;
    cv::warpAffine(mask_, m, cv::Mat(t), roi.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar(0));
    cv::warpAffine(face, f, cv::Mat(t), roi.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(0));
    const cv::Point off = roi.tl() - region_.tl();
    for (int y = 0; y < roi.height; ++y) {
        const float* mr = m.ptr<float>(y);
        const cv::Vec3f* fr = f.ptr<cv::Vec3f>(y);
        float* br = best_.ptr<float>(y + off.y) + off.x;
        const cv::Vec3b* bg = background_.ptr<cv::Vec3b>(y + off.y) + off.x;
        cv::Vec3b* o = out_.ptr<cv::Vec3b>(y + roi.y) + roi.x;
        for (int x = 0; x < roi.width; ++x) {
            const float a = mr[x];
            if (a <= br[x]) continue;  // an earlier face holds this pixel with a larger mask
            br[x] = a;
            for (int c = 0; c < 3; ++c) o[x][c] = cv::saturate_cast<uchar>(bg[x][c] * (1.f - a) + fr[x][c] * a);
        }
    }
}

}  // namespace portrait::gpen
