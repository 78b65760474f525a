#include "portrait/runtime/resolution.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

namespace portrait {

double working_scale(cv::Size full, int max_size) {
    const int longest = std::max(full.width, full.height);
    if (max_size <= 0 || longest <= max_size) return 1.0;
    return double(max_size) / double(longest);
}

cv::Size scaled_size(cv::Size full, double scale) {
    return {std::max(1, int(std::lround(full.width * scale))), std::max(1, int(std::lround(full.height * scale)))};
}

bool transfer_difference(cv::Mat& full, const cv::Mat& before, const cv::Mat& after) {
    CV_Assert(before.type() == CV_8UC3 && after.type() == CV_8UC3 && before.size() == after.size());
    cv::Mat diff;
    cv::subtract(after, before, diff, cv::noArray(), CV_16SC3);
    if (cv::countNonZero(diff.reshape(1)) == 0) return false;
    // Upsample the change, not the small image: detail outside the change is kept.
    cv::Mat up;
    cv::resize(diff, up, full.size(), 0, 0, cv::INTER_LINEAR);
    if (full.depth() == CV_16U) {
        cv::Mat wide;
        full.convertTo(wide, CV_32FC3);
        cv::Mat up32;
        up.convertTo(up32, CV_32FC3, 257.0);
        cv::add(wide, up32, wide);
        wide.convertTo(full, CV_16UC3);
    } else {
        // Saturating add straight into full: no full-size 16-bit sum (a 50 MP image would
        // need 300 MB more for it).
        cv::add(full, up, full, cv::noArray(), CV_8U);
    }
    return true;
}

void transfer_warp(cv::Mat& full, const cv::Mat& warp, cv::Size working) {
    CV_Assert(warp.type() == CV_32FC2 && warp.size() == working);
    const float sx = float(full.cols) / working.width, sy = float(full.rows) / working.height;
    // Carry the displacement, not the map: where it is zero the full-resolution map is
    // the exact identity, so pixels the warp does not touch stay bit-identical.
    cv::Mat disp(warp.size(), CV_32FC2);
    for (int y = 0; y < warp.rows; ++y)
        for (int x = 0; x < warp.cols; ++x) {
            const cv::Vec2f m = warp.at<cv::Vec2f>(y, x);
            disp.at<cv::Vec2f>(y, x) = cv::Vec2f((m[0] - x) * sx, (m[1] - y) * sy);
        }
    cv::Mat map;
    cv::resize(disp, map, full.size(), 0, 0, cv::INTER_LINEAR);
    for (int y = 0; y < map.rows; ++y)
        for (int x = 0; x < map.cols; ++x) {
            cv::Vec2f& m = map.at<cv::Vec2f>(y, x);
            m[0] += float(x);
            m[1] += float(y);
        }
    cv::Mat out;
    cv::remap(full, out, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    full = out;
}

}  // namespace portrait
