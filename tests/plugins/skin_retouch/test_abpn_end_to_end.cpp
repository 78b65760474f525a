// The abpn backend end to end with networks converted from the shared weight recipe
// (synthetic weights: the look is meaningless, the plumbing and arithmetic are real).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include <opencv2/imgproc.hpp>

#include "abpn_crop.hpp"
#include "abpn_networks.hpp"
#include "abpn_retouch.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
namespace sk = portrait::skin;

namespace {

fs::path models_or_skip_reason(std::string& why) { return skin_test::recipe_models(&why); }

sk::AbpnModelFiles files_in(const fs::path& models) {
    const fs::path d = models / "skin-retouching";
    return {d / "detection_net.pt", d / "inpainting_net.pt", d / "generator.pt"};
}

}  // namespace

TEST(AbpnEndToEnd, SeveralFacesOnARealPhoto) {
    std::string why;
    const fs::path models = models_or_skip_reason(why);
    if (models.empty()) GTEST_SKIP() << why;
    if (const std::string m = skin_test::face_mesh_unavailable(); !m.empty()) GTEST_SKIP() << m;
    cv::Mat photo = skin_test::samples_photo();
    if (photo.empty()) GTEST_SKIP() << "samples.jpg not in the cache (portrait models fetch facemesh)";

    portrait::Frame f;
    f.image = photo.clone();
    f.faces = skin_test::run_face_mesh(photo);
    ASSERT_GE(f.faces.size(), 2u) << "samples.jpg should show several faces";

    skin_test::plugin_stage("skin_retouch", "skin_retouch", "{backend: abpn, strength: 1.0, whitening: 0.0}", {models})
        ->process(f);
    EXPECT_EQ(f.stats.at("skin_retouch.backend_abpn"), 1);
    EXPECT_EQ(f.stats.at("skin_retouch.faces"), double(f.faces.size()));
    EXPECT_GE(f.stats.at("skin_retouch.tiles"), double(f.faces.size()));
    ASSERT_EQ(f.image.size(), photo.size());
    ASSERT_EQ(f.image.type(), CV_8UC3);
    ASSERT_EQ(f.masks.count(portrait::masks::kSkin), 1u);
    EXPECT_EQ(f.masks[portrait::masks::kSkin].size(), photo.size());

    // Every crop changed; nothing outside the crops did (whitening off).
    cv::Mat outside(photo.size(), CV_8U, cv::Scalar(255));
    for (const auto& face : f.faces) {
        const cv::Rect c = sk::abpn_crop_box(face.box, photo.size());
        outside(c) = 0;
        EXPECT_GT(cv::norm(f.image(c), photo(c), cv::NORM_L1), 0) << "crop " << c << " unchanged";
    }
    cv::Mat d;
    cv::absdiff(f.image, photo, d);
    double mx = 0;
    std::vector<cv::Mat> ch;
    cv::split(d, ch);
    cv::minMaxLoc(cv::max(cv::max(ch[0], ch[1]), ch[2]), nullptr, &mx, nullptr, nullptr, outside);
    EXPECT_EQ(mx, 0) << "pixels outside every face crop changed";
}

// A stand-in detector that marks the left 30 % of its input as blemish (logit +10) and
// the rest as clean (-10), so some tiles have holes and some have none.
fs::path left_band_detector(const fs::path& models) {
    const fs::path file = models.parent_path() / "left_band_detector.pt";
    if (fs::exists(file)) return file;
    const std::string py =
        "import torch, sys\n"
        "class D(torch.nn.Module):\n"
        "    def forward(self, x):\n"
        "        w = x.shape[3]\n"
        "        col = torch.arange(w, dtype=torch.float32).view(1, 1, 1, w)\n"
        "        band = (col < 0.3 * w).to(x.dtype) * 20 - 10\n"
        "        return band.expand(x.shape[0], 1, x.shape[2], w).contiguous()\n"
        "torch.jit.script(D()).save(sys.argv[1])\n";
    const fs::path script = models.parent_path() / "left_band_detector.py";
    std::ofstream(script) << py;
    const std::string cmd = "/usr/bin/python3 '" + script.string() + "' '" + file.string() + "'";
    return std::system(cmd.c_str()) == 0 ? file : fs::path();
}

TEST(AbpnEndToEnd, SkippingCleanTilesChangesNothing) {
    std::string why;
    const fs::path models = models_or_skip_reason(why);
    if (models.empty()) GTEST_SKIP() << why;
    cv::Mat photo = skin_test::astronaut();
    if (photo.empty()) GTEST_SKIP() << "astronaut.png not found";
    sk::AbpnModelFiles files = files_in(models);
    files.detection = left_band_detector(models);
    ASSERT_FALSE(files.detection.empty());
    // A crop 2 x 2 tiles: the band touches only the left column of tiles.
    const cv::Rect crop(0, 0, 900, 700);
    cv::Mat big;
    cv::resize(photo, big, {1000, 800});
    sk::NetworkOptions exact;
    exact.optimize_numerics = false;
    sk::AbpnNetworks nets(files, exact);
    sk::AbpnOptions skip, all;
    all.skip_clean_tiles = false;
    cv::Mat a = big.clone(), b = big.clone();
    const auto sa = sk::abpn_retouch_face(nets, big, a, crop, skip);
    const auto sb = sk::abpn_retouch_face(nets, big, b, crop, all);
    std::printf("tiles run: %d of %d with skipping, %d without\n", sa.tiles_run, sa.tiles, sb.tiles_run);
    EXPECT_EQ(sa.tiles, 4);
    EXPECT_EQ(sa.tiles_run, 2);
    EXPECT_EQ(sb.tiles_run, 4);
    EXPECT_EQ(cv::norm(a, b, cv::NORM_INF), 0);
}

TEST(AbpnEndToEnd, NoFaceLeavesTheImageUnchanged) {
    std::string why;
    const fs::path models = models_or_skip_reason(why);
    if (models.empty()) GTEST_SKIP() << why;
    cv::Mat photo = skin_test::astronaut();
    if (photo.empty()) GTEST_SKIP() << "astronaut.png not found";
    const portrait::Frame f = skin_test::plugin_stage("skin_retouch", "skin_retouch", "{backend: abpn}", {models})
                                  ->process(photo);
    EXPECT_EQ(cv::norm(f.image, photo, cv::NORM_INF), 0);
}

TEST(AbpnEndToEnd, ReducedPrecisionStaysCloseToFp32) {
    // bf16 (with fp32 accumulation) against the fp32 modules, on the recipe weights. The
    // recipe generator's logits reach 1e5..1e7 and saturate its sigmoid, so only the
    // detection and inpainting networks give a meaningful comparison here.
    std::string why;
    const fs::path models = models_or_skip_reason(why);
    if (models.empty()) GTEST_SKIP() << why;
    sk::NetworkOptions fp32, bf16;
    bf16.bf16 = true;
    sk::AbpnNetworks a(files_in(models), fp32), b(files_in(models), bf16);
    c10::InferenceMode guard;
    torch::manual_seed(0);
    torch::Tensor x = torch::rand({1, 3, 256, 256}) * 2 - 1;
    torch::Tensor k = (torch::rand({1, 1, 256, 256}) > 0.1).to(torch::kFloat32);
    const double dp = (torch::sigmoid(a.detect(x)) - torch::sigmoid(b.detect(x))).abs().max().item<double>();
    const double di = (a.inpaint(x * k, k) - b.inpaint(x * k, k)).abs().max().item<double>();
    std::printf("bf16 vs fp32: detection probability %.2e, inpainting output %.2e (max abs)\n", dp, di);
    EXPECT_LT(dp, 0.02);
    EXPECT_LT(di, 0.03);
}
