// Slimming: identity at strength 0, a measured jaw reduction at 0.5 with the background
// beyond the squeeze's support unchanged, nothing without faces.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "face_analyzer.hpp"
#include "face_landmarks.hpp"
#include "face_slim.hpp"
#include "test_images.hpp"

using namespace portrait::face;
namespace pt = portrait::face::testing;

namespace {

// Mean width across three jaw pairs (jaw angle to lower jaw), in pixels.
double jaw_width(const std::vector<cv::Point2f>& m) {
    return (cv::norm(m[172] - m[397]) + cv::norm(m[136] - m[365]) + cv::norm(m[58] - m[288])) / 3.0;
}

struct Astronaut {
    cv::Mat img;
    std::vector<std::vector<cv::Point2f>> meshes;
    std::unique_ptr<FaceAnalyzer> analyzer;
};

Astronaut* astronaut_with_mesh(std::string* why) {
    static std::unique_ptr<Astronaut> cached;
    if (cached) return cached.get();
    *why = pt::missing_models_message();
    if (!why->empty()) return nullptr;
    auto a = std::make_unique<Astronaut>();
    a->img = pt::astronaut();
    if (a->img.empty()) return *why = "astronaut.png not found (apt-get install python3-skimage)", nullptr;
    a->analyzer = std::make_unique<FaceAnalyzer>(portrait::face::testing::cached_models(), AnalyzerOptions{});
    for (const auto& f : a->analyzer->analyze(a->img)) a->meshes.push_back(f.landmarks);
    if (a->meshes.size() != 1) return *why = "expected one face on the astronaut", nullptr;
    cached = std::move(a);
    return cached.get();
}

}  // namespace

TEST(FaceSlim, StrengthZeroIsBitIdentical) {
    std::string why;
    Astronaut* a = astronaut_with_mesh(&why);
    if (!a) GTEST_SKIP() << why;
    SlimOptions o;
    o.strength = 0.f;
    const SlimField f = slim_field(a->img.size(), a->meshes, o);
    EXPECT_TRUE(f.rect.empty());
    const cv::Mat out = apply_slim(a->img, f);
    EXPECT_EQ(cv::norm(out, a->img, cv::NORM_INF), 0.0);
}

TEST(FaceSlim, HalfStrengthNarrowsTheJawAndLeavesTheBackground) {
    std::string why;
    Astronaut* a = astronaut_with_mesh(&why);
    if (!a) GTEST_SKIP() << why;
    SlimOptions o;
    o.strength = 0.5f;
    const SlimField f = slim_field(a->img.size(), a->meshes, o);
    ASSERT_FALSE(f.rect.empty());
    EXPECT_FLOAT_EQ(f.strength, 0.5f);  // no safety back-off needed on a normal face
    EXPECT_GT(f.min_jacobian, 0.5);
    const cv::Mat out = apply_slim(a->img, f);

    // Re-run the mesh on the result: the jaw must be narrower. By construction the jaw
    // points move 0.5 * 0.28 * profile (0.55..1 on these pairs) of their distance to the
    // midline; the re-fitted mesh follows most of it (measured 6.5%).
    const auto after = a->analyzer->analyze(out);
    ASSERT_EQ(after.size(), 1u);
    const double w0 = jaw_width(a->meshes[0]), w1 = jaw_width(after[0].landmarks);
    const double shrink = 1.0 - w1 / w0;
    std::printf("jaw width %.2f -> %.2f px (%.1f%% narrower)\n", w0, w1, 100 * shrink);
    EXPECT_GT(shrink, 0.04);
    EXPECT_LT(shrink, 0.10);
    // Inner features stay put (within half a pixel of the mesh's own noise).
    EXPECT_LT(cv::norm(after[0].landmarks[kMeshNoseTip] - a->meshes[0][kMeshNoseTip]), 1.0);

    // Outside the squeeze's support nothing changes, exactly.
    const SlimControls c = slim_controls(a->meshes[0], o, o.strength);
    const cv::Rect support = squeeze_support(c.squeeze);
    cv::Mat diff;
    cv::absdiff(out, a->img, diff);
    int changed_outside = 0, changed_inside = 0;
    for (int y = 0; y < out.rows; ++y)
        for (int x = 0; x < out.cols; ++x) {
            const bool changed = diff.at<cv::Vec3b>(y, x) != cv::Vec3b(0, 0, 0);
            if (!support.contains({x, y})) changed_outside += changed;
            else changed_inside += changed;
        }
    EXPECT_EQ(changed_outside, 0);
    EXPECT_GT(changed_inside, 1000);
    // The image border is outside every window here: first/last rows and columns identical.
    EXPECT_EQ(cv::norm(out.row(0), a->img.row(0), cv::NORM_INF), 0.0);
    EXPECT_EQ(cv::norm(out.row(out.rows - 1), a->img.row(out.rows - 1), cv::NORM_INF), 0.0);
}

TEST(FaceSlim, RegionWeightsSelectWhatMoves) {
    std::string why;
    Astronaut* a = astronaut_with_mesh(&why);
    if (!a) GTEST_SKIP() << why;
    SlimOptions o;
    o.jaw = 0.f;
    o.cheeks = 0.f;
    const SlimControls c = slim_controls(a->meshes[0], o, 1.f);
    for (std::size_t i = 0; i < c.original.size(); ++i) EXPECT_EQ(c.original[i], c.target[i]);
    o.jaw = 1.f;
    const SlimControls j = slim_controls(a->meshes[0], o, 1.f);
    // Oval positions 12..17 and 19..24 are the jaw; 4..11 and 25..32 the cheeks (still here).
    EXPECT_NE(j.original[13], j.target[13]);
    EXPECT_EQ(j.original[8], j.target[8]);
    EXPECT_EQ(j.original[0], j.target[0]);  // forehead never moves
}

TEST(FaceSlim, YawGateWeakensTheHiddenSide) {
    std::string why;
    Astronaut* a = astronaut_with_mesh(&why);
    if (!a) GTEST_SKIP() << why;
    // Fake a turned face: squeeze the subject's-right half (image left) towards the nose.
    std::vector<cv::Point2f> m = a->meshes[0];
    const float nx = m[kMeshNoseTip].x;
    for (auto& p : m)
        if (p.x < nx) p.x = nx - 0.35f * (nx - p.x);
    SlimOptions o;
    const SlimControls c = slim_controls(m, o, 1.f);
    EXPECT_LT(c.side_factor[0], 0.2f);
    EXPECT_FLOAT_EQ(c.side_factor[1], 1.f);
    o.yaw_gate = false;
    const SlimControls d = slim_controls(m, o, 1.f);
    EXPECT_FLOAT_EQ(d.side_factor[0], 1.f);
}

TEST(FaceSlim, NoFaceLeavesTheImageUntouched) {
    cv::Mat img(200, 300, CV_8UC3);
    cv::randu(img, 0, 255);
    SlimOptions o;
    o.strength = 1.f;
    const SlimField f = slim_field(img.size(), {}, o);
    EXPECT_TRUE(f.rect.empty());
    EXPECT_EQ(cv::norm(apply_slim(img, f), img, cv::NORM_INF), 0.0);
    const cv::Mat map = slim_map(img.size(), f);
    EXPECT_EQ(map.at<cv::Vec2f>(57, 123), cv::Vec2f(123.f, 57.f));
}
