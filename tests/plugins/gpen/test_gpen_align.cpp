// Alignment: the template matches the spec's table, faces land on it, and the inverse
// transform brings crop pixels back where they came from.
#include <gtest/gtest.h>

#include <cmath>

#include <opencv2/imgproc.hpp>

#include "enhance.hpp"
#include "face_template.hpp"
#include "similarity.hpp"

using namespace portrait;
using namespace portrait::gpen;

namespace {

// Spec §3.5, "Resulting templates".
const double kTable[3][5][2] = {
    {{202.0407, 242.8840}, {309.4302, 242.2900}, {256.0768, 303.9592}, {211.9598, 366.8282}, {300.8911, 366.3363}},
    {{404.0814, 485.7679}, {618.8605, 484.5800}, {512.1536, 607.9183}, {423.9195, 733.6564}, {601.7822, 732.6726}},
    {{808.1627, 971.5359}, {1237.7210, 969.1599}, {1024.3072, 1215.8367}, {847.8391, 1467.3128},
     {1203.5645, 1465.3452}}};

// A face whose five points are the template of `size` moved by a similarity.
Face face_from_template(int size, double angle_deg, double scale, cv::Point2d shift) {
    const Points5 t = gpen_template(size);
    const double a = angle_deg * CV_PI / 180.0;
    Face f;
    for (int i = 0; i < 5; ++i) {
        const double x = t[i].x, y = t[i].y;
        f.align5[i] = cv::Point2f(float(scale * (std::cos(a) * x - std::sin(a) * y) + shift.x),
                                  float(scale * (std::sin(a) * x + std::cos(a) * y) + shift.y));
    }
    f.has_align5 = true;
    return f;
}

}  // namespace

TEST(GpenTemplate, MatchesSpecTable) {
    const int sizes[3] = {512, 1024, 2048};
    for (int s = 0; s < 3; ++s) {
        const Points5 t = gpen_template(sizes[s]);
        for (int i = 0; i < 5; ++i) {
            EXPECT_NEAR(t[i].x, kTable[s][i][0], 1e-3) << sizes[s] << " point " << i;
            EXPECT_NEAR(t[i].y, kTable[s][i][1], 1e-3) << sizes[s] << " point " << i;
        }
    }
}

TEST(GpenSimilarity, RecoversAKnownSimilarity) {
    const std::vector<cv::Point2d> src{{10, 20}, {50, 22}, {30, 40}, {15, 60}, {47, 61}};
    const cv::Matx23d truth(0.8 * std::cos(0.3), -0.8 * std::sin(0.3), 12.5, 0.8 * std::sin(0.3),
                            0.8 * std::cos(0.3), -7.25);
    std::vector<cv::Point2d> dst;
    for (const auto& p : src) dst.push_back(apply(truth, p));
    const cv::Matx23d m = estimate_similarity(src, dst);
    for (int r = 0; r < 2; ++r)
        for (int c = 0; c < 3; ++c) EXPECT_NEAR(m(r, c), truth(r, c), 1e-9);
}

TEST(GpenSimilarity, NeverReflects) {
    // Mirrored points: the best similarity is a rotation, so the determinant stays positive.
    const std::vector<cv::Point2d> src{{0, 0}, {10, 0}, {5, 8}, {1, 12}, {9, 12}};
    std::vector<cv::Point2d> dst;
    for (const auto& p : src) dst.push_back({-p.x, p.y});
    const cv::Matx23d m = estimate_similarity(src, dst);
    EXPECT_GT(m(0, 0) * m(1, 1) - m(0, 1) * m(1, 0), 0);
    EXPECT_NEAR(m(0, 0), m(1, 1), 1e-12);
    EXPECT_NEAR(m(0, 1), -m(1, 0), 1e-12);
}

TEST(GpenAlign, PointsLandOnTheTemplate) {
    for (int size : {512, 1024, 2048}) {
        const Face f = face_from_template(size, 17.0, 0.37, {140.0, 95.5});
        const cv::Matx23d t = align_transform(f, size);
        const Points5 ref = gpen_template(size);
        for (int i = 0; i < 5; ++i) {
            const cv::Point2d p = apply(t, cv::Point2d(f.align5[i]));
            EXPECT_NEAR(p.x, ref[i].x, 1e-3 * size / 512) << size << " point " << i;
            EXPECT_NEAR(p.y, ref[i].y, 1e-3 * size / 512) << size << " point " << i;
        }
    }
}

TEST(GpenAlign, CropPutsImageFeaturesAtTemplatePixels) {
    // Dots drawn at the face's points end up at the template positions in the 512 crop.
    const Face f = face_from_template(512, -12.0, 0.6, {60.0, 40.0});
    cv::Mat img(480, 520, CV_8UC3, cv::Scalar::all(0));
    for (const auto& p : f.align5) cv::circle(img, cv::Point(cvRound(p.x * 16), cvRound(p.y * 16)), 3 * 16,
                                              cv::Scalar(255, 255, 255), cv::FILLED, cv::LINE_AA, 4);
    const cv::Mat crop = aligned_crop(img, align_transform(f, 512), 512);
    const Points5 ref = gpen_template(512);
    cv::Mat grey;
    cv::cvtColor(crop, grey, cv::COLOR_BGR2GRAY);
    for (int i = 0; i < 5; ++i) {
        const cv::Rect win(int(ref[i].x) - 12, int(ref[i].y) - 12, 25, 25);
        const cv::Moments mo = cv::moments(grey(win));
        ASSERT_GT(mo.m00, 0) << "no dot near template point " << i;
        EXPECT_NEAR(win.x + mo.m10 / mo.m00, ref[i].x, 0.5) << "point " << i;
        EXPECT_NEAR(win.y + mo.m01 / mo.m00, ref[i].y, 0.5) << "point " << i;
    }
}

TEST(GpenAlign, InverseRoundTrip) {
    const Face f = face_from_template(1024, 33.0, 0.21, {-20.0, 310.0});
    const cv::Matx23d t = align_transform(f, 1024);
    const cv::Matx23d inv = invert_affine(t);
    const cv::Matx23d id = compose(inv, t);
    EXPECT_NEAR(id(0, 0), 1, 1e-12);
    EXPECT_NEAR(id(1, 1), 1, 1e-12);
    EXPECT_NEAR(id(0, 1), 0, 1e-12);
    EXPECT_NEAR(id(1, 0), 0, 1e-12);
    EXPECT_NEAR(id(0, 2), 0, 1e-9);
    EXPECT_NEAR(id(1, 2), 0, 1e-9);
    for (const auto& p : f.align5) {
        const cv::Point2d back = apply(inv, apply(t, cv::Point2d(p)));
        EXPECT_NEAR(back.x, p.x, 1e-9);
        EXPECT_NEAR(back.y, p.y, 1e-9);
    }
}
