// Anchors, decoding and weighted NMS against hand-computed cases (no model files needed).
#include <gtest/gtest.h>

#include <cmath>

#include "blazeface_decode.hpp"
#include "ssd_anchors.hpp"

using namespace portrait::face;

TEST(SsdAnchors, FrontLayoutIs512Then384) {
    const auto a = make_ssd_anchors(front_anchor_options());
    ASSERT_EQ(a.size(), 896u);
    // 16x16 grid, 2 per cell: first cell centre (0.5/16, 0.5/16) twice.
    EXPECT_FLOAT_EQ(a[0].cx, 0.5f / 16);
    EXPECT_FLOAT_EQ(a[1].cx, 0.5f / 16);
    EXPECT_FLOAT_EQ(a[2].cx, 1.5f / 16);  // next column
    EXPECT_FLOAT_EQ(a[2].cy, 0.5f / 16);
    EXPECT_FLOAT_EQ(a[32].cy, 1.5f / 16);  // second row starts after 16 cells * 2
    EXPECT_FLOAT_EQ(a[511].cx, 15.5f / 16);
    EXPECT_FLOAT_EQ(a[511].cy, 15.5f / 16);
    // 8x8 grid, 6 per cell (three stride-16 layers merged, 2 each).
    for (int k = 0; k < 6; ++k) {
        EXPECT_FLOAT_EQ(a[512 + k].cx, 0.5f / 8);
        EXPECT_FLOAT_EQ(a[512 + k].cy, 0.5f / 8);
    }
    EXPECT_FLOAT_EQ(a[518].cx, 1.5f / 8);
    EXPECT_FLOAT_EQ(a[895].cx, 7.5f / 8);
    EXPECT_FLOAT_EQ(a[895].cy, 7.5f / 8);
}

TEST(SsdAnchors, BackLayoutMatchesFrontCentres) {
    const auto f = make_ssd_anchors(front_anchor_options());
    const auto b = make_ssd_anchors(back_anchor_options());
    ASSERT_EQ(b.size(), f.size());
    for (std::size_t i = 0; i < f.size(); ++i) {
        EXPECT_FLOAT_EQ(b[i].cx, f[i].cx);
        EXPECT_FLOAT_EQ(b[i].cy, f[i].cy);
    }
}

TEST(BlazeFaceDecode, OneAnchorByHand) {
    const auto anchors = make_ssd_anchors(front_anchor_options());
    std::vector<float> logits(896, -10.f), regs(896 * 16, 0.f);
    // Anchor 34: row 1, column 1 of the 16x16 grid -> centre (1.5/16, 1.5/16) = (0.09375, 0.09375).
    const int i = 34;
    logits[i] = 2.f;  // sigmoid(2) = 0.880797
    float* r = &regs[16 * i];
    r[0] = 6.4f, r[1] = -12.8f, r[2] = 32.f, r[3] = 38.4f;  // pixels at 128 input
    r[4] = -3.2f, r[5] = 0.f;                               // right eye
    r[6] = 3.2f, r[7] = 1.28f;                              // left eye
    const auto d = decode_blazeface(logits.data(), regs.data(), anchors, 128, 0.5f);
    ASSERT_EQ(d.size(), 1u);
    EXPECT_NEAR(d[0].score, 0.8807971f, 1e-6);
    // cx = 6.4/128 + 0.09375 = 0.14375, w = 0.25 -> xmin 0.01875; cy = -0.1 + 0.09375 = -0.00625, h = 0.3
    EXPECT_NEAR(d[0].box.x, 0.01875f, 1e-6);
    EXPECT_NEAR(d[0].box.y, -0.15625f, 1e-6);
    EXPECT_NEAR(d[0].box.width, 0.25f, 1e-6);
    EXPECT_NEAR(d[0].box.height, 0.3f, 1e-6);
    EXPECT_NEAR(d[0].keypoints[kRightEye].x, 0.06875f, 1e-6);
    EXPECT_NEAR(d[0].keypoints[kRightEye].y, 0.09375f, 1e-6);
    EXPECT_NEAR(d[0].keypoints[kLeftEye].x, 0.11875f, 1e-6);
    EXPECT_NEAR(d[0].keypoints[kLeftEye].y, 0.10375f, 1e-6);
    // Keypoints without regression sit on the anchor centre.
    EXPECT_NEAR(d[0].keypoints[kMouth].x, 0.09375f, 1e-6);
}

TEST(BlazeFaceDecode, ThresholdAndClipping) {
    const auto anchors = make_ssd_anchors(back_anchor_options());
    std::vector<float> logits(896, -1000.f), regs(896 * 16, 0.f);
    for (int i = 0; i < 896; ++i) regs[16 * i + 2] = regs[16 * i + 3] = 10.f;
    logits[600] = 1000.f;                    // clipped to 100: score exactly 1
    logits[601] = std::log(0.64f / 0.36f);   // 0.64, below 0.65
    logits[602] = std::log(0.66f / 0.34f);   // 0.66, kept
    const auto d = decode_blazeface(logits.data(), regs.data(), anchors, 256, 0.65f);
    ASSERT_EQ(d.size(), 2u);
    EXPECT_FLOAT_EQ(d[0].score, 1.f);
    EXPECT_NEAR(d[1].score, 0.66f, 1e-5);
}

TEST(WeightedNms, AveragesOverlappingByScore) {
    Detection a, b, c;
    a.score = 0.9f, a.box = {0, 0, 10, 10};
    b.score = 0.6f, b.box = {1, 1, 10, 10};   // IoU with a = 81/119 = 0.68 -> merged
    c.score = 0.8f, c.box = {50, 50, 10, 10};  // separate face
    for (int k = 0; k < 6; ++k) a.keypoints[k] = {0, 0}, b.keypoints[k] = {5, 5}, c.keypoints[k] = {55, 55};
    const auto out = weighted_nms({b, c, a}, 0.3f);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_FLOAT_EQ(out[0].score, 0.9f);
    // Weighted mean: x0 = (0.9*0 + 0.6*1)/1.5 = 0.4, x1 = (0.9*10 + 0.6*11)/1.5 = 10.4.
    EXPECT_NEAR(out[0].box.x, 0.4f, 1e-5);
    EXPECT_NEAR(out[0].box.width, 10.f, 1e-5);
    EXPECT_NEAR(out[0].keypoints[0].x, 2.f, 1e-5);  // (0.6*5)/1.5
    EXPECT_FLOAT_EQ(out[1].score, 0.8f);
    EXPECT_FLOAT_EQ(out[1].box.x, 50.f);
}

TEST(WeightedNms, LowOverlapKeepsBoth) {
    Detection a, b;
    a.score = 0.9f, a.box = {0, 0, 10, 10};
    b.score = 0.8f, b.box = {6, 0, 10, 10};  // IoU 40/160 = 0.25 <= 0.3
    EXPECT_NEAR(iou(a.box, b.box), 0.25f, 1e-6);
    EXPECT_EQ(weighted_nms({a, b}, 0.3f).size(), 2u);
}
