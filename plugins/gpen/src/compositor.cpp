#include "compositor.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "exact_region.hpp"
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
    CV_Assert((face.type() == CV_32FC3 || face.type() == CV_8UC3) && face.size() == mask_.size());
    const cv::Rect roi = footprint(crop_to_out, mask_.rows, out_.size()) & region_;
    if (roi.empty()) return;
    // Warp only into the face's own rectangle, with the pixels a whole-image warp gives
    // (exact_region.hpp): the original warps face and mask over the whole output.
    const cv::Mat m = warp_affine_region(mask_, {0, 0}, crop_to_out, roi);
    cv::Mat f = warp_affine_region(face, {0, 0}, crop_to_out, roi);
    if (f.type() != CV_32FC3) f.convertTo(f, CV_32FC3);  // exact: 8-bit values
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
            // float32 as the original's numpy expression; saturate_cast rounds as convertScaleAbs
            for (int c = 0; c < 3; ++c) o[x][c] = cv::saturate_cast<uchar>(bg[x][c] * (1.f - a) + fr[x][c] * a);
        }
    }
}

}  // namespace portrait::gpen
