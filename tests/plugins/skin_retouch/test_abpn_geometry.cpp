// The ABPN pipeline's fixed arithmetic, checked against values worked out by hand
// from skin-retouching.md §3.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "abpn_crop.hpp"
#include "abpn_retouch.hpp"
#include "abpn_whitening.hpp"

namespace sk = portrait::skin;

TEST(AbpnCrop, SquareOfOneAndAHalfTheLongerSide) {
    // box ints: x1 100, y1 50, x2 int(181.6) = 181, y2 int(170.5) = 170 -> w 81, h 120
    // side int(180) = 180, centre (140.5, 110): l int(50.5) = 50, r int(230.5) = 230, t 20, b 200
    const cv::Rect r = sk::abpn_crop_box({100.7f, 50.2f, 80.9f, 120.3f}, {640, 480});
    EXPECT_EQ(r, cv::Rect(50, 20, 180, 180));
}

TEST(AbpnCrop, ClippedAtTheBorderWithoutPadding) {
    // box 10..70 x 5..45: side int(90) = 90, centre (40, 25): l int(-5) = -5 -> 0, r 85,
    // t int(-20) = -20 -> 0, b 70; clipped to the 80x60 image: 0..80 x 0..60.
    EXPECT_EQ(sk::abpn_crop_box({10.f, 5.f, 60.f, 40.f}, {80, 60}), cv::Rect(0, 0, 80, 60));
    // Python's int() truncates toward zero: centre (3.5, 25), side 15 -> l int(-4) -> 0, r 11,
    // t int(17.5) = 17, b int(32.5) = 32.
    EXPECT_EQ(sk::abpn_crop_box({0.f, 20.f, 7.f, 10.f}, {100, 100}), cv::Rect(0, 17, 11, 15));
}

TEST(AbpnCrop, FaceOutsideTheImageGivesAnEmptyCrop) {
    EXPECT_TRUE(sk::abpn_crop_box({500.f, 500.f, 20.f, 20.f}, {100, 100}).empty());
}

TEST(AbpnDiffuseMask, RampsOfTwentyAtTheBorders) {
    const cv::Mat m = sk::abpn_diffuse_mask({500, 500});  // same size: no resampling
    EXPECT_FLOAT_EQ(m.at<float>(0, 250), 0.f);
    EXPECT_FLOAT_EQ(m.at<float>(10, 250), 0.5f);
    EXPECT_FLOAT_EQ(m.at<float>(20, 250), 1.f);
    EXPECT_FLOAT_EQ(m.at<float>(250, 250), 1.f);
    EXPECT_FLOAT_EQ(m.at<float>(480, 250), 1.f);
    EXPECT_FLOAT_EQ(m.at<float>(490, 250), 0.5f);
    EXPECT_FLOAT_EQ(m.at<float>(250, 499), 0.05f);  // the original's slight asymmetry
    EXPECT_FLOAT_EQ(m.at<float>(5, 499), 0.05f);    // min of both ramps
}

TEST(AbpnKeepMask, ThresholdsAtPointThreeFiveAndHalf) {
    torch::Tensor p = torch::tensor({0.0f, 0.34f, 0.35f, 0.4f, 0.49f, 0.5f, 0.9f});
    torch::Tensor k = sk::abpn_keep_mask(p);
    const float want[] = {1.f, 1.f, 0.65f, 0.6f, 0.51f, 0.f, 0.f};
    for (int i = 0; i < 7; ++i) EXPECT_NEAR(k[i].item<float>(), want[i], 1e-6) << i;
}

TEST(AbpnWhitening, LongSideIsEightHundredShortSideTruncated) {
    EXPECT_EQ(sk::long_side_size({1000, 667}), cv::Size(800, 533));  // 533.6 -> 533
    EXPECT_EQ(sk::long_side_size({300, 451}), cv::Size(532, 800));   // upscales too
}

TEST(AbpnWhitening, SoftLightLiftInHalfPrecision) {
    // Uniform skin everywhere: the closed, blurred mask is 255, so wmg = 0.66 (R) and
    // 0.62 (G, B) at degree 0.8. For x = 128/255: R = ((1-1.32) x^2 + 1.32 x) 255 = 148.4,
    // G = B = ((1-1.24) x^2 + 1.24 x) 255 = 143.3 -> truncated.
    cv::Mat img(120, 160, CV_8UC3, cv::Scalar(128, 128, 128));
    cv::Mat skin(sk::long_side_size(img.size()), CV_8U, cv::Scalar(255));
    sk::abpn_whiten(img, skin, false, 0.8f);
    const cv::Vec3b v = img.at<cv::Vec3b>(60, 80);
    EXPECT_NEAR(v[2], 148, 1);
    EXPECT_NEAR(v[1], 143, 1);
    EXPECT_NEAR(v[0], 143, 1);
}

TEST(AbpnWhitening, NoSkinLeavesPixelsWithinTheHalfPrecisionTruncation) {
    // wmg = 0.5 is the identity blend; the original's fp16 round trip and .byte() can
    // still lose one level, never more.
    cv::Mat img(64, 64, CV_8UC3);
    cv::randu(img, 0, 256);
    const cv::Mat before = img.clone();
    sk::abpn_whiten(img, cv::Mat::zeros(sk::long_side_size(img.size()), CV_8U), false, 0.8f);
    cv::Mat d;
    cv::absdiff(img, before, d);
    double mx = 0;
    cv::minMaxLoc(d.reshape(1), nullptr, &mx);
    EXPECT_LE(mx, 1.0);
}
