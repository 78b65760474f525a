// ROI rules and mappings, landmark helpers, MLS math (no model files needed).
#include <gtest/gtest.h>

#include <cmath>

#include "face_landmarks.hpp"
#include "mesh_roi.hpp"
#include "mls_warp.hpp"

using namespace portrait::face;

TEST(MeshRoi, FromDetectionUsesEyeLine) {
    Detection d;
    d.box = {100, 200, 40, 50};
    d.keypoints[kRightEye] = {110, 210};
    d.keypoints[kLeftEye] = {130, 230};  // 45 degrees down to the image right
    const RotatedSquare r = roi_from_detection(d);
    EXPECT_FLOAT_EQ(r.center.x, 120.f);
    EXPECT_FLOAT_EQ(r.center.y, 225.f);
    EXPECT_FLOAT_EQ(r.side, 75.f);  // 1.5 * max(40, 50)
    EXPECT_NEAR(r.angle, CV_PI / 4, 1e-6);
}

TEST(MeshRoi, MappingsAreInverseAndMatchTheWarpMatrix) {
    RotatedSquare r;
    r.center = {300.5f, 120.25f};
    r.side = 150.f;
    r.angle = 0.7f;
    const cv::Point2f c = r.crop_to_image({96.f, 96.f}, 192);
    EXPECT_NEAR(c.x, r.center.x, 1e-4);
    EXPECT_NEAR(c.y, r.center.y, 1e-4);
    for (cv::Point2f p : {cv::Point2f(0, 0), cv::Point2f(191.5f, 3.f), cv::Point2f(50.f, 170.f)}) {
        const cv::Point2f q = r.image_to_crop(r.crop_to_image(p, 192), 192);
        EXPECT_NEAR(q.x, p.x, 1e-3);
        EXPECT_NEAR(q.y, p.y, 1e-3);
        // Pixel index i of the crop covers continuous [i, i+1): its centre is i + 0.5.
        const cv::Matx23d m = r.crop_to_image_matrix(192);
        const cv::Point2f idx(p.x - 0.5f, p.y - 0.5f);
        const cv::Point2f viaM(float(m(0, 0) * idx.x + m(0, 1) * idx.y + m(0, 2)),
                               float(m(1, 0) * idx.x + m(1, 1) * idx.y + m(1, 2)));
        const cv::Point2f direct = r.crop_to_image(p, 192);
        EXPECT_NEAR(viaM.x, direct.x, 1e-3);
        EXPECT_NEAR(viaM.y, direct.y, 1e-3);
    }
}

TEST(MeshRoi, FromLandmarksRotatedFrameExtent) {
    // A synthetic 468-point set: a 40 x 60 rectangle rotated by 30 degrees, eyes on its x axis.
    const float a = float(CV_PI / 6);
    const cv::Point2f c(200, 150);
    auto place = [&](float u, float v) {
        return cv::Point2f(c.x + std::cos(a) * u - std::sin(a) * v, c.y + std::sin(a) * u + std::cos(a) * v);
    };
    std::vector<cv::Point2f> pts(kMeshPoints, place(0, 0));
    pts[0] = place(-20, -30), pts[1] = place(20, 30), pts[2] = place(-20, 30), pts[3] = place(20, -30);
    pts[33] = place(-10, -5), pts[263] = place(10, -5);
    const RotatedSquare r = roi_from_landmarks(pts);
    EXPECT_NEAR(r.angle, a, 1e-5);
    EXPECT_NEAR(r.side, 90.f, 1e-3);  // 1.5 * 60
    EXPECT_NEAR(r.center.x, c.x, 1e-3);
    EXPECT_NEAR(r.center.y, c.y, 1e-3);
}

TEST(FaceLandmarks, Align5FromMesh) {
    std::vector<cv::Point2f> pts(kMeshPoints, {0, 0});
    for (int i : {33, 133, 159, 145}) pts[i] = {10, 20};
    pts[133] = {14, 20};
    for (int i : {263, 362, 386, 374}) pts[i] = {40, 20};
    pts[1] = {25, 35}, pts[61] = {15, 45}, pts[291] = {35, 45};
    const auto a = align5_from_mesh(pts);
    EXPECT_FLOAT_EQ(a[0].x, 11.f);
    EXPECT_FLOAT_EQ(a[1].x, 40.f);
    EXPECT_FLOAT_EQ(a[2].y, 35.f);
    EXPECT_FLOAT_EQ(a[3].x, 15.f);
    EXPECT_FLOAT_EQ(a[4].x, 35.f);
}

TEST(MlsRigid, InterpolatesControlsAndKeepsIdentity) {
    const std::vector<cv::Point2f> p = {{0, 0}, {10, 0}, {0, 10}, {10, 10}};
    // Identity controls: identity map everywhere.
    const cv::Point2f v = mls_rigid(p, p, {3.3f, 7.1f});
    EXPECT_NEAR(v.x, 3.3f, 1e-5);
    EXPECT_NEAR(v.y, 7.1f, 1e-5);
    // A pure translation is reproduced exactly.
    std::vector<cv::Point2f> q;
    for (auto& x : p) q.push_back(x + cv::Point2f(2, -1));
    const cv::Point2f t = mls_rigid(p, q, {4, 4});
    EXPECT_NEAR(t.x, 6.f, 1e-5);
    EXPECT_NEAR(t.y, 3.f, 1e-5);
    // A rotation by 90 degrees about the centre (5, 5) is reproduced exactly too.
    std::vector<cv::Point2f> rq;
    for (auto& x : p) rq.push_back({5 - (x.y - 5), 5 + (x.x - 5)});
    const cv::Point2f rr = mls_rigid(p, rq, {7, 5});
    EXPECT_NEAR(rr.x, 5.f, 1e-4);
    EXPECT_NEAR(rr.y, 7.f, 1e-4);
    // On a control point the map hits its target.
    q[1] = {12, 3};
    const cv::Point2f c = mls_rigid(p, q, {10, 0});
    EXPECT_FLOAT_EQ(c.x, 12.f);
    EXPECT_FLOAT_EQ(c.y, 3.f);
}

TEST(MlsRigid, GridUpsamplingIsCornerAligned) {
    const std::vector<cv::Point2f> p = {{0, 0}, {40, 0}, {0, 40}, {40, 40}};
    std::vector<cv::Point2f> q;
    for (auto& x : p) q.push_back(x + cv::Point2f(1.5f, 0));
    const cv::Mat g = mls_rigid_grid(p, q, {0, 0}, 4.f, 11, 11);
    const cv::Mat d = upsample_grid(g, {0, 0}, 4.f, cv::Rect(0, 0, 41, 41));
    for (int y = 0; y < 41; y += 7)
        for (int x = 0; x < 41; x += 5) EXPECT_NEAR(d.at<cv::Vec2f>(y, x)[0], 1.5f, 1e-4);
    EXPECT_NEAR(min_jacobian(d, 1.f), 1.0, 1e-4);
}
