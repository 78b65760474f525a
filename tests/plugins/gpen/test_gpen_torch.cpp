// The TorchScript side: colour order at both network boundaries (BGR frame <-> RGB
// networks), the converted tiny fixtures reproduce the original outputs through our
// loader, tiled RealESRNet equals untiled, and wrong model files fail clearly.
#include <gtest/gtest.h>


#include <opencv2/imgproc.hpp>

#include "gpen_test_util.hpp"
#include "test_temp_dir.hpp"
#include "portrait/tiling.hpp"
#include "torch_models.hpp"

using namespace portrait::gpen;
using gpen_test::write_module;
namespace fs = std::filesystem;

namespace {

using portrait_test::TempDir;

cv::Mat solid(int s, cv::Scalar bgr) { return cv::Mat(s, s, CV_8UC3, bgr); }

}  // namespace

TEST(GpenColour, RestorerFeedsRgbAndReadsRgb) {
    TempDir tmp;
    // Output: every channel = input channel 0, which must be R (200) -> grey 200 in BGR.
    const auto probe = write_module(tmp.path(), "probe", "  return x[:, 0:1].repeat(1, 3, 1, 1)\n");
    TorchFaceRestorer r(probe, 32);
    auto out = r.restore({solid(32, cv::Scalar(10, 100, 200))});
    ASSERT_EQ(out.size(), 1u);
    const cv::Vec3f p = out[0].at<cv::Vec3f>(5, 7);
    EXPECT_NEAR(p[0], 200, 1e-3);
    EXPECT_NEAR(p[1], 200, 1e-3);
    EXPECT_NEAR(p[2], 200, 1e-3);
    // Output channel 0 (R) = +1 -> 255 in the last BGR channel; channel 2 (B) = -1 -> 0.
    const auto marker = write_module(
        tmp.path(), "marker",
        "  return torch.cat([torch.ones_like(x[:, 0:1]), x[:, 1:2], -torch.ones_like(x[:, 2:3])], 1)\n");
    TorchFaceRestorer m(marker, 32);
    out = m.restore({solid(32, cv::Scalar(10, 100, 200)), solid(32, cv::Scalar(1, 2, 3))});
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(cv::Vec3b(out[0].at<cv::Vec3f>(0, 0)), cv::Vec3b(0, 100, 255));
    EXPECT_EQ(cv::Vec3b(out[1].at<cv::Vec3f>(31, 31)), cv::Vec3b(0, 2, 255));
}

TEST(GpenColour, IdentityRestorerIsExact) {
    TempDir tmp;
    TorchFaceRestorer id(write_module(tmp.path(), "id", "  return x\n"), 64);
    cv::Mat crop(64, 64, CV_8UC3);
    cv::RNG(1).fill(crop, cv::RNG::UNIFORM, 0, 256);
    const auto out = id.restore({crop});
    cv::Mat back;
    out[0].convertTo(back, CV_8UC3);
    EXPECT_EQ(cv::norm(back, crop, cv::NORM_INF), 0);
}

TEST(GpenColour, UpsamplerFeedsRgbAndReadsRgb) {
    TempDir tmp;
    // Nearest x2 of input channel 0 (must be R) into output channel 0 only (must land in R).
    const auto file = write_module(tmp.path(), "sr",
                                   "  r = torch.repeat_interleave(torch.repeat_interleave(x[:, 0:1], 2, 2), 2, 3)\n"
                                   "  return torch.cat([r, r * 0.0, r * 0.0], 1)\n");
    TorchUpsampler up(file, 0, 0);
    const cv::Mat img(6, 10, CV_8UC3, cv::Scalar(10, 100, 200));
    const cv::Mat out = up.upsample(img, 2);
    ASSERT_EQ(out.size(), cv::Size(20, 12));
    EXPECT_EQ(out.at<cv::Vec3b>(3, 4), cv::Vec3b(0, 0, 200));
    // Odd sides are padded for the network and cropped back; scale 1 averages back down.
    const cv::Mat odd(7, 9, CV_8UC3, cv::Scalar(10, 100, 200));
    EXPECT_EQ(up.upsample(odd, 2).size(), cv::Size(18, 14));
    const cv::Mat same = up.upsample(odd, 1);
    EXPECT_EQ(same.size(), odd.size());
    EXPECT_EQ(same.at<cv::Vec3b>(3, 3), cv::Vec3b(0, 0, 200));
}

TEST(GpenFixture, TinyGpenMatchesTheReferenceThroughOurLoader) {
    const fs::path model = gpen_test::tiny_model("gpen_tiny");
    if (model.empty()) GTEST_SKIP() << "converted gpen_tiny not available (models/convert/gpen.py or ../shared missing)";
    const fs::path fx = gpen_test::shared_dir() / "fixtures" / "gpen_tiny";
    const torch::Tensor in = gpen_test::load_npy(fx / "input.npy");
    const torch::Tensor ref = gpen_test::load_npy(fx / "output.npy");
    bool was_frozen = false;
    torch::jit::Module m = load_inference_module(model, "cpu", &was_frozen);
    torch::InferenceMode guard;
    const torch::Tensor out = m.forward({in}).toTensor();
    ASSERT_EQ(out.sizes(), ref.sizes());
    EXPECT_LE((out - ref).abs().max().item<float>(), 1e-4);
    // The same through the stage's restorer: a BGR 8-bit crop in, BGR float out.
    const int s = int(in.size(2));
    torch::Tensor u8 = in[0].mul(0.5).add(0.5).mul(255).round().clamp(0, 255).to(torch::kUInt8);
    u8 = u8.flip(0).permute({1, 2, 0}).contiguous();  // RGB CHW -> BGR HWC
    cv::Mat crop(s, s, CV_8UC3);
    std::memcpy(crop.data, u8.data_ptr<uint8_t>(), crop.total() * 3);
    TorchFaceRestorer r(std::move(m), s, model);
    const cv::Mat face = r.restore({crop})[0];
    torch::Tensor want = ref[0].mul(0.5).add(0.5).clamp(0, 1).mul(255).flip(0).permute({1, 2, 0}).contiguous();
    const cv::Mat want_mat(s, s, CV_32FC3, want.data_ptr<float>());
    EXPECT_LE(cv::norm(face, want_mat, cv::NORM_INF), 1e-4 * 127.5 + 1e-3);
}

TEST(GpenFixture, TinyRrdbMatchesTheReferenceAndTilesExactly) {
    const fs::path model = gpen_test::tiny_model("rrdbnet_tiny");
    if (model.empty()) GTEST_SKIP() << "converted rrdbnet_tiny not available (models/convert/realesrnet.py or ../shared missing)";
    const fs::path fx = gpen_test::shared_dir() / "fixtures" / "rrdbnet_tiny";
    const torch::Tensor in = gpen_test::load_npy(fx / "input.npy");
    const torch::Tensor ref = gpen_test::load_npy(fx / "output.npy");
    {
        torch::jit::Module m = load_inference_module(model);
        torch::InferenceMode guard;
        const torch::Tensor out = m.forward({in}).toTensor();
        ASSERT_EQ(out.sizes(), ref.sizes());
        EXPECT_LE((out - ref).abs().max().item<float>(), 1e-4);
    }
    // Tiled vs untiled on a small image: with context beyond the receptive field
    // (tiny net: about 70 input px) the raw outputs agree within 1e-4.
    cv::Mat img(150, 202, CV_8UC3);
    cv::RNG(5).fill(img, cv::RNG::UNIFORM, 0, 256);
    cv::GaussianBlur(img, img, cv::Size(5, 5), 1.5);
    TorchUpsampler up(model, 0, 0);
    const cv::Mat whole = up.network_x2(img);
    const cv::Mat tiled = portrait::tiling::run_tiled(img, 2, 64, 72, 2, [&](const cv::Mat& t) { return up.network_x2(t); });
    ASSERT_EQ(tiled.size(), whole.size());
    EXPECT_LE(cv::norm(tiled, whole, cv::NORM_INF), 1e-4);
    // And the stage's 8-bit path with the same tiling differs by at most a rounding step.
    TorchUpsampler tiled_up(model, 64, 72);
    EXPECT_LE(cv::norm(tiled_up.upsample(img, 2), up.upsample(img, 2), cv::NORM_INF), 1.0);
}

TEST(GpenModels, WrongFilesFailClearly) {
    TempDir tmp;
    // Not TorchScript.
    fs::create_directories(tmp.path() / "junk");
    std::ofstream(tmp.path() / "junk" / "model.pt") << "not a model";
    try {
        TorchFaceRestorer r(tmp.path() / "junk" / "model.pt", 512);
        FAIL() << "loading junk succeeded";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("junk/model.pt"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("not a TorchScript file"), std::string::npos) << e.what();
    }
    // A network of another size / kind: the error names the model and the expectation.
    TorchFaceRestorer small(write_module(tmp.path(), "half", "  return x[:, :, ::2, ::2]\n"), 32);
    try {
        small.restore({solid(32, cv::Scalar::all(0))});
        FAIL() << "wrong output shape accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("expected [N,3,S,S]"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("GPEN-32"), std::string::npos) << e.what();
    }
    TorchUpsampler not_x2(write_module(tmp.path(), "same", "  return x\n"), 0, 0);
    EXPECT_THROW(not_x2.upsample(cv::Mat(8, 8, CV_8UC3, cv::Scalar::all(0)), 2), std::runtime_error);
}
