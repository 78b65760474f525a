// Parts of whole-image resizes and warps equal the whole-image OpenCV call bit for bit,
// which is what lets the stage match the original pipeline while touching only faces.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "exact_region.hpp"

using namespace portrait::gpen;

namespace {

cv::Mat noise(cv::Size s, int type, int seed) {
    cv::Mat m(s, type);
    cv::RNG(seed).fill(m, cv::RNG::UNIFORM, 0, 256);
    return m;
}

cv::Matx23d similarity(double scale, double deg, cv::Point2d t) {
    const double a = deg * CV_PI / 180;
    return {scale * std::cos(a), -scale * std::sin(a), t.x, scale * std::sin(a), scale * std::cos(a), t.y};
}

}  // namespace

TEST(GpenExactRegion, WarpOfARegionEqualsTheWholeWarp) {
    // Sharp noise shows any 1/32-pixel step as a large difference.
    for (int type : {CV_8UC3, CV_32FC3, CV_32FC1}) {
        const cv::Mat src = noise({300, 260}, type, 3);
        const cv::Size dst_size(520, 470);
        for (const cv::Matx23d& m : {similarity(1.73, 17.3, {41.3, -12.7}), similarity(0.37, -61, {200.2, 300.9}),
                                     similarity(3.01, 0.0, {-0.5, -0.5})}) {
            cv::Mat whole;
            cv::warpAffine(src, whole, cv::Mat(m), dst_size, cv::INTER_LINEAR, cv::BORDER_CONSTANT, cv::Scalar::all(0));
            for (const cv::Rect r : {cv::Rect(0, 0, 520, 470), cv::Rect(37, 51, 201, 99), cv::Rect(400, 3, 120, 467)}) {
                const cv::Rect need = warp_source_rect(m, r, src.size());
                cv::Mat part;
                if (need.empty())
                    part = cv::Mat(r.size(), type, cv::Scalar::all(0));
                else
                    part = warp_affine_region(src(need), need.tl(), m, r);
                EXPECT_EQ(cv::norm(part, whole(r), cv::NORM_INF), 0) << "type " << type << " rect " << r;
            }
        }
    }
    // The naive way, a shifted matrix into the sub-rectangle, is not the same (why the
    // stage does not do it).
    const cv::Mat src = noise({300, 260}, CV_8UC3, 3);
    const cv::Matx23d m = similarity(1.73, 17.3, {41.3, -12.7});
    const cv::Rect r(37, 51, 201, 99);
    cv::Mat whole, shifted;
    cv::warpAffine(src, whole, cv::Mat(m), {520, 470});
    cv::Matx23d t = m;
    t(0, 2) -= r.x, t(1, 2) -= r.y;
    cv::warpAffine(src, shifted, cv::Mat(t), r.size());
    EXPECT_GT(cv::norm(shifted, whole(r), cv::NORM_INF), 2);
}

TEST(GpenExactRegion, InterAreaWarpIsTheBilinearWarp) {
    // The original passes flags=3 (INTER_AREA); warpAffine treats it as bilinear (spec §3.5).
    const cv::Mat src = noise({120, 90}, CV_8UC3, 4);
    const cv::Matx23d m = similarity(2.3, 11, {5.5, 7.25});
    cv::Mat area, linear;
    cv::warpAffine(src, area, cv::Mat(m), {240, 260}, cv::INTER_AREA);
    cv::warpAffine(src, linear, cv::Mat(m), {240, 260}, cv::INTER_LINEAR);
    EXPECT_EQ(cv::norm(area, linear, cv::NORM_INF), 0);
}

TEST(GpenExactRegion, ResizeOfARegionEqualsTheWholeResize) {
    for (int type : {CV_8UC3, CV_32FC1}) {
        const cv::Mat img = noise({211, 157}, type, 5);
        for (int f : {2, 4}) {
            cv::Mat whole;
            cv::resize(img, whole, img.size() * f, 0, 0, cv::INTER_LINEAR);
            for (const cv::Rect r : {cv::Rect(0, 0, 211 * f, 157 * f), cv::Rect(1, 1, 50, 61), cv::Rect(101, 77, 93, 80),
                                     cv::Rect(211 * f - 40, 157 * f - 33, 40, 33)}) {
                const cv::Mat part = resize_region(img, f, r);
                ASSERT_EQ(part.size(), r.size());
                EXPECT_EQ(cv::norm(part, whole(r), cv::NORM_INF), 0) << "factor " << f << " rect " << r;
            }
        }
    }
}
