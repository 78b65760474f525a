// Working resolution: the scale and size, and carrying a stage's change (a difference
// or a warp) back to full resolution, against values worked out by hand.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "portrait/runtime/resolution.hpp"

using portrait::scaled_size;
using portrait::transfer_difference;
using portrait::transfer_warp;
using portrait::working_scale;

namespace {

// Rows of a 4x4 single-channel 8-bit image.
cv::Mat mat4(std::initializer_list<int> v) {
    cv::Mat m(4, 4, CV_8UC1);
    auto it = v.begin();
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x) m.at<uchar>(y, x) = uchar(*it++);
    return m;
}

cv::Mat grey3(const cv::Mat& one) {
    cv::Mat m;
    cv::cvtColor(one, m, cv::COLOR_GRAY2BGR);
    return m;
}

}  // namespace

TEST(Resolution, WorkingScale) {
    EXPECT_DOUBLE_EQ(working_scale({4000, 3000}, 1920), 0.48);
    EXPECT_DOUBLE_EQ(working_scale({3000, 4000}, 1920), 0.48);  // portrait: the longest side counts
    EXPECT_DOUBLE_EQ(working_scale({1920, 1080}, 1920), 1.0);   // exactly the limit: untouched
    EXPECT_DOUBLE_EQ(working_scale({800, 600}, 1920), 1.0);     // never enlarged
    EXPECT_DOUBLE_EQ(working_scale({8000, 6000}, 0), 1.0);      // 0 = full resolution
}

TEST(Resolution, ScaledSize) {
    EXPECT_EQ(scaled_size({4000, 3000}, 0.48), cv::Size(1920, 1440));
    EXPECT_EQ(scaled_size({1001, 333}, 0.5), cv::Size(501, 167));  // rounded: 500.5 -> 501, 166.5 -> 167
    EXPECT_EQ(scaled_size({3, 1}, 0.1), cv::Size(1, 1));          // never empty
}

TEST(Resolution, NoChangeLeavesFullUntouched) {
    cv::Mat full(8, 8, CV_8UC3, cv::Scalar(1, 2, 3));
    const cv::Mat before = full.clone();
    cv::Mat w(4, 4, CV_8UC3, cv::Scalar(9, 9, 9));
    EXPECT_FALSE(transfer_difference(full, w, w.clone()));
    EXPECT_EQ(cv::norm(full, before, cv::NORM_INF), 0.0);
}

TEST(Resolution, UniformDifferenceIsAddedExactly) {
    // Full 8x8 with detail (values 10*x + y) that the 4x4 working copy cannot hold; the
    // stage brightened everything by 20: full keeps its detail, 20 brighter.
    cv::Mat full(8, 8, CV_8UC3);
    for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 8; ++x) full.at<cv::Vec3b>(y, x) = cv::Vec3b::all(uchar(10 * x + y));
    const cv::Mat original = full.clone();
    cv::Mat before(4, 4, CV_8UC3, cv::Scalar::all(50)), after(4, 4, CV_8UC3, cv::Scalar::all(70));
    EXPECT_TRUE(transfer_difference(full, before, after));
    cv::Mat expected = original + cv::Scalar::all(20);
    EXPECT_EQ(cv::norm(full, expected, cv::NORM_INF), 0.0);
}

TEST(Resolution, LocalDifferenceIsUpsampledBilinearly) {
    // One working pixel (0,0) brightened by 20. Bilinear 2x upsampling samples working
    // x at (X + 0.5) / 2 - 0.5: X = 0, 1, 2, 3 -> 0 (edge), 0.25, 0.75, 1.25, so the
    // weights of pixel 0 along an axis are 1, 0.75, 0.25, 0 and the change is
    // 20 * wx * wy, rounded half up: 11.25 -> 11, 3.75 -> 4, 1.25 -> 1.
    cv::Mat full(4, 4, CV_8UC3, cv::Scalar::all(100));
    cv::Mat before(2, 2, CV_8UC3, cv::Scalar::all(100)), after = before.clone();
    after.at<cv::Vec3b>(0, 0) = cv::Vec3b::all(120);
    EXPECT_TRUE(transfer_difference(full, before, after));
    const cv::Mat expected = grey3(mat4({120, 115, 105, 100,  //
                                         115, 111, 104, 100,  //
                                         105, 104, 101, 100,  //
                                         100, 100, 100, 100}));
    EXPECT_EQ(cv::norm(full, expected, cv::NORM_INF), 0.0) << full;
}

TEST(Resolution, DifferenceSaturatesInsteadOfWrapping) {
    cv::Mat full(2, 2, CV_8UC3, cv::Scalar(250, 5, 128));
    cv::Mat before(1, 1, CV_8UC3, cv::Scalar(100, 100, 100)), after(1, 1, CV_8UC3, cv::Scalar(120, 80, 100));
    transfer_difference(full, before, after);
    EXPECT_EQ(full.at<cv::Vec3b>(1, 1), cv::Vec3b(255, 0, 128));  // 270 -> 255, -15 -> 0
}

TEST(Resolution, SixteenBitFullGetsTheDifferenceTimes257) {
    cv::Mat full(4, 4, CV_16UC3, cv::Scalar(1000, 65000, 0));
    cv::Mat before(2, 2, CV_8UC3, cv::Scalar::all(100)), after(2, 2, CV_8UC3, cv::Scalar(110, 110, 90));
    transfer_difference(full, before, after);
    EXPECT_EQ(full.at<cv::Vec3w>(2, 3), cv::Vec3w(1000 + 2570, 65535, 0));  // 65000 + 2570 saturates; 0 - 2570 -> 0
}

TEST(Resolution, IdentityWarpKeepsEveryPixel) {
    cv::Mat full(30, 40, CV_8UC3);
    cv::randu(full, 0, 256);
    const cv::Mat original = full.clone();
    cv::Mat map(15, 20, CV_32FC2);
    for (int y = 0; y < 15; ++y)
        for (int x = 0; x < 20; ++x) map.at<cv::Vec2f>(y, x) = cv::Vec2f(float(x), float(y));
    transfer_warp(full, map, {20, 15});
    EXPECT_EQ(cv::norm(full, original, cv::NORM_INF), 0.0);
}

TEST(Resolution, UniformShiftIsScaledToFullPixels) {
    // Working 4x4 -> full 8x8: a backward shift of 1 working pixel is 2 full pixels,
    // output(x) = full(min(x + 2, 7)) with the edge replicated.
    cv::Mat full(8, 8, CV_8UC3);
    for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 8; ++x) full.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(10 * x), uchar(5 * y), 77);
    cv::Mat map(4, 4, CV_32FC2);
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x) map.at<cv::Vec2f>(y, x) = cv::Vec2f(float(x + 1), float(y));
    transfer_warp(full, map, {4, 4});
    for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 8; ++x)
            ASSERT_EQ(full.at<cv::Vec3b>(y, x), cv::Vec3b(uchar(10 * std::min(x + 2, 7)), uchar(5 * y), 77))
                << "at " << x << "," << y;
}

TEST(Resolution, LocalWarpTouchesOnlyItsNeighbourhood) {
    // Working 8x8 -> full 32x32 (factor 4). Only working pixel (2,2) moves: it samples
    // one pixel to the right, a displacement of 4 full pixels. Bilinear upsampling of the
    // displacement reaches full pixels whose working position is within one pixel of
    // (2,2): X in (5.5, 13.5), i.e. 6..13, and the same rows. Everything else is identical.
    cv::Mat full(32, 32, CV_8UC3);
    for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) full.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(5 * x), uchar(3 * y), 200);
    const cv::Mat original = full.clone();
    cv::Mat map(8, 8, CV_32FC2);
    for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 8; ++x) map.at<cv::Vec2f>(y, x) = cv::Vec2f(float(x), float(y));
    map.at<cv::Vec2f>(2, 2)[0] = 3.f;
    transfer_warp(full, map, {8, 8});
    for (int y = 0; y < 32; ++y)
        for (int x = 0; x < 32; ++x) {
            const bool near = x >= 6 && x <= 13 && y >= 6 && y <= 13;
            if (!near) {
                ASSERT_EQ(full.at<cv::Vec3b>(y, x), original.at<cv::Vec3b>(y, x)) << "at " << x << "," << y;
            }
        }
    // Full (10,10) sits at working 2.125 on both axes: weight 0.875 * 0.875 on the moved
    // pixel, so it samples x = 10 + 4 * 0.765625 = 13.0625: 5 * 13.0625 = 65.3 -> 65.
    EXPECT_EQ(full.at<cv::Vec3b>(10, 10), cv::Vec3b(65, 30, 200));
    // Full (9,9) is at working 1.875: weight 0.875 * 0.875 too -> x = 12.0625 -> 60.3 -> 60.
    EXPECT_EQ(full.at<cv::Vec3b>(9, 9), cv::Vec3b(60, 27, 200));
}
