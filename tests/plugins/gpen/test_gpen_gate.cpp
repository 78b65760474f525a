// The EQFace gate's parts: the converted network through the stage's scorer reproduces the
// original's outputs (../shared/fixtures/eqface) with each channel-order convention, the
// restored face's gate crop is the original's region, and the distance is scipy's.
#include <gtest/gtest.h>

#include <cmath>

#include <opencv2/imgproc.hpp>

#include "eqface_model.hpp"
#include "gpen_test_util.hpp"
#include "quality_gate.hpp"

using namespace portrait::gpen;
namespace fs = std::filesystem;

namespace {

double rel_error(const std::vector<float>& got, const torch::Tensor& want) {
    const torch::Tensor g = torch::from_blob(const_cast<float*>(got.data()), {long(got.size())}, torch::kFloat32);
    const torch::Tensor w = want.reshape({-1});
    return ((g - w).abs().max() / w.abs().max()).item<double>();
}

}  // namespace

TEST(GpenGate, ScorerReproducesTheOriginalInBothChannelOrders) {
    const fs::path model = gpen_test::tiny_model("eqface");
    if (model.empty()) GTEST_SKIP() << "recipe EQFace model not built (convert_tiny_models.sh, ../shared missing?)";
    const fs::path fx = gpen_test::shared_dir() / "fixtures" / "eqface";
    // input_rgb112: a real face in RGB; the original fed it as BGR (fixture.json "calls").
    const torch::Tensor rgb = gpen_test::load_npy(fx / "input_rgb112.npy", "|u1").contiguous();
    const torch::Tensor feature = gpen_test::load_npy(fx / "feature.npy");
    const double quality = gpen_test::load_npy(fx / "quality.npy").item<double>();
    const cv::Mat rgb_bytes(112, 112, CV_8UC3, rgb.data_ptr<uint8_t>());
    cv::Mat bgr;
    cv::cvtColor(rgb_bytes, bgr, cv::COLOR_RGB2BGR);

    TorchFaceScorer scorer(model);
    // The original crop's convention: our BGR image, fed as BGR.
    const FaceScore a = scorer.score(bgr, ChannelOrder::bgr);
    ASSERT_EQ(a.feature.size(), 512u);
    EXPECT_LE(rel_error(a.feature, feature), 1e-4);
    EXPECT_NEAR(a.quality, quality, 1e-4);
    // The restored face's convention feeds RGB: the same network input comes from an image
    // whose stored channels are the other way round.
    const FaceScore b = scorer.score(rgb_bytes, ChannelOrder::rgb);
    EXPECT_LE(rel_error(b.feature, feature), 1e-4);
    // And the order matters: the same image fed the other way is another input.
    const FaceScore wrong = scorer.score(bgr, ChannelOrder::rgb);
    EXPECT_GT(rel_error(wrong.feature, feature), 1e-2);
    EXPECT_GT(identity_distance(wrong.feature, a.feature), 1e-4);
    EXPECT_LT(identity_distance(b.feature, a.feature), 1e-6);
}

TEST(GpenGate, RestoredFaceCropIsTheOriginalsRegion) {
    // Spec §3.6: rows [35 ss, S - 33 ss), columns [32 ss, S - 36 ss), ss = S / 256, bilinear to 112.
    for (int s : {512, 1024}) {
        cv::Mat face(s, s, CV_8UC3);
        cv::RNG(s).fill(face, cv::RNG::UNIFORM, 0, 256);
        const int ss = s / 256;
        cv::Mat want;
        cv::resize(face(cv::Range(35 * ss, s - 33 * ss), cv::Range(32 * ss, s - 36 * ss)), want, cv::Size(112, 112));
        const cv::Mat got = restored_gate_crop(face);
        ASSERT_EQ(got.size(), cv::Size(112, 112));
        EXPECT_EQ(cv::norm(got, want, cv::NORM_INF), 0) << s;
    }
    // 512: rows 70..445, columns 64..439 (a one-pixel frame just outside is ignored).
    cv::Mat face(512, 512, CV_8UC3, cv::Scalar::all(255));
    face(cv::Rect(64, 70, 376, 376)).setTo(cv::Scalar::all(0));
    EXPECT_EQ(cv::norm(restored_gate_crop(face), cv::NORM_INF), 0);
}

TEST(GpenGate, IdentityDistanceIsHalfTheCosineDistance) {
    const std::vector<float> a{1, 0, 0}, b{0, 2, 0}, c{-3, 0, 0};
    EXPECT_DOUBLE_EQ(identity_distance(a, a), 0);
    EXPECT_DOUBLE_EQ(identity_distance(a, b), 0.5);   // orthogonal: cosine distance 1
    EXPECT_DOUBLE_EQ(identity_distance(a, c), 1.0);   // opposite: 2
    // Scale does not matter, even at the recipe weights' 1e24.
    const std::vector<float> u{1e24f, -2e24f, 3e23f}, v{2e24f, 1e24f, -5e23f};
    const std::vector<float> u1{1, -2, 0.3f}, v1{2, 1, -0.5f};
    EXPECT_NEAR(identity_distance(u, v), identity_distance(u1, v1), 1e-7);
    const double cos = (2 - 2 - 0.15) / (std::sqrt(1 + 4 + 0.09) * std::sqrt(4 + 1 + 0.25));
    EXPECT_NEAR(identity_distance(u1, v1), (1 - cos) / 2, 1e-7);
    EXPECT_THROW(identity_distance(a, {1, 2}), std::invalid_argument);
}

TEST(GpenGate, RestoredFaceIsTruncatedNotRounded) {
    cv::Mat f(1, 4, CV_32FC3);
    f.at<cv::Vec3f>(0, 0) = {3.99f, 0.5f, 254.999f};
    f.at<cv::Vec3f>(0, 1) = {255.7f, -1.f, 128.f};
    f.at<cv::Vec3f>(0, 2) = {0.f, 1.f, 2.f};
    f.at<cv::Vec3f>(0, 3) = {100.49f, 100.5f, 100.51f};
    const cv::Mat t = truncate_to_8bit(f);
    EXPECT_EQ(t.at<cv::Vec3b>(0, 0), cv::Vec3b(3, 0, 254));
    EXPECT_EQ(t.at<cv::Vec3b>(0, 1), cv::Vec3b(255, 0, 128));
    EXPECT_EQ(t.at<cv::Vec3b>(0, 2), cv::Vec3b(0, 1, 2));
    EXPECT_EQ(t.at<cv::Vec3b>(0, 3), cv::Vec3b(100, 100, 100));
}
