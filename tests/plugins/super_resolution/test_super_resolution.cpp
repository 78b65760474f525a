// super_resolution with the real ESRGAN models: tiles reassemble to the untiled result
// (PSNR >= 45 dB on a real photo), the result is an enlargement of the input and not noise,
// and the stage through the host enlarges by its scale and names a missing model.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <filesystem>
#include <fstream>
#include <string>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "esrgan_upscaler.hpp"
#include "portrait/runtime/pipeline.hpp"
#include "portrait/runtime/pipeline_config.hpp"
#include "portrait/runtime/plugin_registry.hpp"
#include "portrait/runtime/runner.hpp"

namespace fs = std::filesystem;
using portrait::super_resolution::EsrganUpscaler;

namespace {

fs::path user_models() {
    const char* c = std::getenv("PORTRAIT_CACHE");
    const char* home = std::getenv("HOME");
    return (c && *c ? fs::path(c) : fs::path(home ? home : "/root") / ".cache" / "portrait") / "models";
}

fs::path model_file(const std::string& variant, int scale) {
    return user_models() / ("esrgan-" + variant) / ("x" + std::to_string(scale)) / "model.pt";
}

cv::Mat astronaut() {
    for (const char* p : {"/usr/lib/python3/dist-packages/skimage/data/astronaut.png",
                          "/usr/share/imageio/images/astronaut.png"})
        if (fs::exists(p)) return cv::imread(p, cv::IMREAD_COLOR);
    return {};
}

struct Case {
    const char* variant;
    int scale;
    cv::Rect crop;  // of the 512x512 astronaut; thick gets a smaller one (its CPU time)
};

// Readable test names in ctest instead of the struct's bytes.
[[maybe_unused]] void PrintTo(const Case& c, std::ostream* os) { *os << c.variant << " x" << c.scale; }

class TiledVsUntiled : public ::testing::TestWithParam<Case> {};

}  // namespace

TEST_P(TiledVsUntiled, TilesReassembleToTheUntiledResult) {
    const Case c = GetParam();
    const fs::path file = model_file(c.variant, c.scale);
    if (!fs::exists(file)) GTEST_SKIP() << file << " missing: models/fetch.sh --convert esrgan-" << c.variant;
    const cv::Mat photo = astronaut();
    if (photo.empty()) GTEST_SKIP() << "astronaut.png not found (apt-get install python3-skimage)";
    const cv::Mat img = photo(c.crop).clone();
    EsrganUpscaler up(file, c.scale);

    const cv::Mat whole = up.upscale(img, 0, 0);
    ASSERT_EQ(whole.size(), img.size() * c.scale);
    // Not noise: shrunk back it is close to the input, and it is near a bicubic enlargement.
    cv::Mat back, bicubic;
    cv::resize(whole, back, img.size(), 0, 0, cv::INTER_AREA);
    cv::resize(img, bicubic, whole.size(), 0, 0, cv::INTER_CUBIC);
    EXPECT_GT(cv::PSNR(back, img), 30.0);
    EXPECT_GT(cv::PSNR(whole, bicubic), 25.0);

    // Tile 96 with the stage's default pad: several tiles, interior and border ones.
    const cv::Mat tiled = up.upscale(img, 96, 24);
    ASSERT_EQ(tiled.size(), whole.size());
    const double psnr = cv::PSNR(tiled, whole);
    std::cout << "esrgan-" << c.variant << " x" << c.scale << " " << img.cols << "x" << img.rows
              << ": tiled (96, pad 24) vs untiled PSNR " << psnr << " dB\n";
    EXPECT_GE(psnr, 45.0);
    // The pad is what brings it there: without context the tile seams cost 50-70 dB.
    const double no_pad = cv::PSNR(up.upscale(img, 96, 0), whole);
    std::cout << "  without pad: " << no_pad << " dB\n";
    EXPECT_LT(no_pad, psnr);
}

INSTANTIATE_TEST_SUITE_P(Esrgan, TiledVsUntiled,
                         ::testing::Values(Case{"slim", 2, {0, 0, 512, 512}}, Case{"slim", 3, {0, 0, 512, 512}},
                                           Case{"slim", 4, {0, 0, 512, 512}}, Case{"medium", 2, {128, 0, 256, 256}},
                                           Case{"thick", 2, {128, 0, 224, 224}}),
                         [](const auto& info) {
                             return std::string(info.param.variant) + "_x" + std::to_string(info.param.scale);
                         });

class StageThroughHost : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("sr_stage_" + std::to_string(::getpid()));
        fs::create_directories(dir_ / "run");
        const fs::path so = fs::path(SR_PLUGIN_DIR) / "portrait_super_resolution.so";
        ASSERT_TRUE(registry_.load_file(so)) << "cannot load " << so;
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::unique_ptr<portrait::Runner> runner(const std::string& params, const fs::path& models,
                                             const std::string& resources = "  max_size: 0\n") {
        const std::string yaml = "version: 1\nname: t\nresources:\n" + resources + "  threads: 1\nstages:\n"
                                 "  - stage: super_resolution\n    params:\n" + params;
        portrait::PipelineConfig cfg = portrait::parse_pipeline(yaml, dir_ / "t.yaml");
        cfg.model_paths = {models};
        return std::make_unique<portrait::Runner>(portrait::validate_pipeline(cfg, registry_),
                                                  portrait::RunEnvironment{dir_ / "run", 1});
    }
    fs::path dir_;
    portrait::PluginRegistry registry_;
};

TEST_F(StageThroughHost, MissingModelNamesTheFolderAndTheFetch) {
    setenv("PORTRAIT_CACHE", (dir_ / "cache").c_str(), 1);
    try {
        runner("      model: thick\n      scale: 3\n", dir_ / "models");
        FAIL() << "the stage started without its model";
    } catch (const std::runtime_error& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("esrgan-thick"), std::string::npos) << m;
        EXPECT_NE(m.find((dir_ / "models" / "esrgan-thick" / "x3" / "model.pt").string()), std::string::npos) << m;
        EXPECT_NE(m.find("portrait models fetch esrgan-thick"), std::string::npos) << m;
    }
    unsetenv("PORTRAIT_CACHE");
}

TEST_F(StageThroughHost, EnlargesByItsScaleAndDeclaresItsMemory) {
    if (!fs::exists(model_file("slim", 3))) GTEST_SKIP() << "esrgan-slim missing: models/fetch.sh --convert esrgan-slim";
    const cv::Mat photo = astronaut();
    if (photo.empty()) GTEST_SKIP() << "astronaut.png not found";
    const cv::Mat img = photo(cv::Rect(100, 20, 201, 150)).clone();  // odd sides on purpose
    auto r = runner("      model: slim\n      scale: 3\n      tile: 64\n", user_models());
    portrait::ImageReport rep;
    const cv::Mat out = r->process(img, "astronaut", rep);
    ASSERT_TRUE(rep.ok) << rep.error;
    ASSERT_EQ(out.size(), img.size() * 3);
    // The host's result equals the stage's network applied to the same image.
    EsrganUpscaler up(model_file("slim", 3), 3);
    EXPECT_GE(cv::PSNR(out, up.upscale(img, 64, 24)), 45.0);
    // The estimate covers at least the 3x 8-bit output and grows with the image.
    const std::size_t small = r->estimate_peak_bytes(img.size());
    EXPECT_GT(small, std::size_t(img.total()) * 9 * 3);
    EXPECT_GT(r->estimate_peak_bytes(img.size() * 2), small);
}

namespace {

// Peak resident memory since the last reset_peak(), in bytes (Linux: VmHWM).
std::size_t peak_rss() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    return 0;
}
std::size_t rss() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    return 0;
}
bool reset_peak() { return bool(std::ofstream("/proc/self/clear_refs") << "5"); }

}  // namespace

// memory_limit holds on a 50 MP photo enlarged 2x (issue 14): the estimate covers the
// measured peak, including the host's 200 MP result and the change carried onto it, and a
// limit below it refuses the image, naming the key, before the big allocations.
TEST_F(StageThroughHost, MemoryLimitHoldsOnFiftyMegapixels) {
    if (!fs::exists(model_file("slim", 2))) GTEST_SKIP() << "esrgan-slim missing: models/fetch.sh --convert esrgan-slim";
    const cv::Mat photo = astronaut();
    if (photo.empty()) GTEST_SKIP() << "astronaut.png not found";
    cv::Mat big;  // 8660 x 5774 = 50.0 MP
    cv::resize(photo(cv::Rect(0, 80, 512, 341)), big, cv::Size(8660, 5774), 0, 0, cv::INTER_CUBIC);
    // max_size 640: ESRGAN runs on the working image; the host enlarges the full one.
    const std::string res = "  max_size: 640\n";
    const std::string params = "      model: slim\n      scale: 2\n";

    auto r = runner(params, user_models(), res);
    portrait::ImageReport rep;
    ASSERT_EQ(r->process(big, "big", rep).size(), big.size() * 2) << rep.error;  // learns the 2x
    const std::size_t estimate = r->estimate_peak_bytes(big.size());
    EXPECT_GE(estimate, std::size_t(big.total()) * 4 * 3 * 2);  // at least the 200 MP result and a copy
    ASSERT_TRUE(reset_peak()) << "cannot reset VmHWM (/proc/self/clear_refs)";
    const std::size_t before = rss();
    {
        const cv::Mat out = r->process(big, "big", rep);
        ASSERT_TRUE(rep.ok) << rep.error;
    }
    const std::size_t used = peak_rss() - before;
    std::printf("50 MP x2: estimate %zu MiB, measured peak %zu MiB\n", estimate >> 20, used >> 20);
    EXPECT_LE(used, estimate) << "peak " << (used >> 20) << " MiB over the estimate " << (estimate >> 20) << " MiB";
    EXPECT_GE(used, estimate / 3) << "estimate " << (estimate >> 20) << " MiB far above the peak " << (used >> 20);

    // A limit below the estimate: the first image fails when the enlargement is seen, before
    // the enlarged copies exist; the next one is refused before any stage runs.
    const std::size_t limit_mib = (estimate >> 20) / 2;
    auto tight = runner(params, user_models(), res + "  memory_limit: " + std::to_string(limit_mib) + "MB\n");
    for (int i = 0; i < 2; ++i) {
        ASSERT_TRUE(reset_peak());
        const std::size_t at = rss();
        EXPECT_TRUE(tight->process(big, "big", rep).empty());
        EXPECT_NE(rep.error.find("over resources.memory_limit"), std::string::npos) << rep.error;
        EXPECT_LT(peak_rss() - at, std::size_t(big.total()) * 3 * 2) << "image " << i << ": " << rep.error;
    }
}
