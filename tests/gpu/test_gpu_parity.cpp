// The gpen stage's fixtures on cuda:0 against the CPU: the recipe-weight networks of
// ../shared/fixtures (gpen_tiny, rrdbnet_tiny) through the stage's algorithm, and the built
// plugin through the host with resources.device. Within 2 grey levels everywhere; seconds
// per face are printed (not asserted). Skips on a LibTorch without CUDA or without a GPU.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/cuda.h>

#include "enhance.hpp"
#include "gpen_stage_fixture.hpp"
#include "gpen_test_util.hpp"
#include "paste_mask.hpp"
#include "torch_models.hpp"

using namespace portrait;
using namespace portrait::gpen;
namespace fs = std::filesystem;

namespace {

constexpr const char* kNoCuda = "no CUDA device: LibTorch built without CUDA / no GPU";
const char* kPhoto = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png";

// The astronaut's face and a copy moved beside it, so one call restores two faces.
std::vector<Face> two_faces() {
    Face a;
    a.align5 = gpen_test::read_align5(gpen_test::data_dir() / "astronaut_align5.txt").at(0);
    a.has_align5 = true;
    Face b = a;
    for (auto& p : b.align5) p += cv::Point2f(90, 40);
    return {a, b};
}

struct DeviceRun {
    cv::Mat image;
    double seconds_per_face = 0;
};

// enhance_faces at scale 2 with RealESRNet on `device`, and the restorer's time per face
// (after a first call that warms up the device and the JIT).
DeviceRun run_on(const std::string& device, const fs::path& gpen_file, const fs::path& sr_file, const cv::Mat& photo) {
    const int size = 64;
    TorchFaceRestorer restorer(gpen_file, size, device);
    TorchUpsampler background(sr_file, 400, 32, device);
    EnhanceOptions opt;
    opt.scale = 2;
    opt.batch = 2;
    const std::vector<Face> faces = two_faces();
    DeviceRun r;
    r.image = enhance_faces(photo, faces, restorer, background, make_paste_mask(size), opt).image;
    std::vector<cv::Mat> crops;
    for (const Face& f : faces) crops.push_back(aligned_crop(photo, align_transform(f, size), size));
    restorer.restore(crops);
    const int rounds = 10;
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < rounds; ++i) restorer.restore(crops);  // results come back: synchronised
    r.seconds_per_face = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() /
                         double(rounds * crops.size());
    return r;
}

}  // namespace

TEST(GpuParity, GpenFixturesOnCudaMatchTheCpu) {
    if (!torch::cuda::is_available()) GTEST_SKIP() << kNoCuda;
    const fs::path gpen_file = gpen_test::tiny_model("gpen_tiny"), sr_file = gpen_test::tiny_model("rrdbnet_tiny");
    if (gpen_file.empty() || sr_file.empty()) GTEST_SKIP() << "converted gpen_tiny / rrdbnet_tiny not available";
    const cv::Mat photo = cv::imread(kPhoto, cv::IMREAD_COLOR);
    if (photo.empty()) GTEST_SKIP() << "test photo " << kPhoto << " missing (python3-skimage)";

    const DeviceRun cpu = run_on("cpu", gpen_file, sr_file, photo);
    const DeviceRun cuda = run_on("cuda:0", gpen_file, sr_file, photo);
    ASSERT_EQ(cuda.image.size(), cpu.image.size());
    cv::Mat diff;
    cv::absdiff(cuda.image, cpu.image, diff);
    const double max_diff = cv::norm(diff, cv::NORM_INF);
    std::printf("cuda:0 vs cpu: max %.0f levels, %d of %zu values differ; GPEN-64 (tiny) %.4f s/face on cuda:0, "
                "%.4f s/face on cpu\n",
                max_diff, cv::countNonZero(diff.reshape(1)), diff.total() * 3, cuda.seconds_per_face,
                cpu.seconds_per_face);
    EXPECT_LE(max_diff, 2.0);
}

namespace {

// The built plugin through the host: gpen-512 is a stand-in (x * 0.8), realesrnet-x2 the
// converted tiny RRDBNet, so both networks of the stage run on the device.
class GpuStage : public gpen_test::StageTest {
protected:
    void SetUp() override {
        if (!torch::cuda::is_available()) GTEST_SKIP() << kNoCuda;
        sr_ = gpen_test::tiny_model("rrdbnet_tiny");
        if (sr_.empty()) GTEST_SKIP() << "converted rrdbnet_tiny not available";
        StageTest::SetUp();
        gpen_test::write_module(dir_ / "models", "gpen-512", "  return x * 0.8\n");
        fs::create_directories(dir_ / "models" / "realesrnet-x2");
        for (const char* f : {"model.pt", "model.pt.sha256"})
            fs::copy_file(sr_.parent_path() / f, dir_ / "models" / "realesrnet-x2" / f);
    }

    cv::Mat run(const std::string& resources, ImageReport& rep, const std::string& stages = kStages) {
        auto r = runner(stages, 0, resources);
        return r->process(textured({640, 600}), "t", rep);
    }

    static constexpr const char* kStages =
        "  - stage: test_faces\n    params:\n      centres: \"300,280;420,200\"\n      crop: 256\n"
        "  - stage: gpen\n    params:\n      scale: 2\n      background: realesrnet\n      batch: 2\n"
        "      quality_gate: \"off\"\n";
    // No face: RealESRNet alone, with context beyond the tiny net's receptive field so
    // that the tile side does not change the result.
    static constexpr const char* kBackgroundOnly =
        "  - stage: test_faces\n"
        "  - stage: gpen\n    params:\n      scale: 2\n      background: realesrnet\n      tile_pad: 72\n"
        "      quality_gate: \"off\"\n";
    fs::path sr_;
};

}  // namespace

TEST_F(GpuStage, StageOnCudaMatchesTheCpu) {
    ImageReport on_cpu, on_cuda;
    const cv::Mat a = run("  device: cpu\n", on_cpu);
    const auto t0 = std::chrono::steady_clock::now();
    const cv::Mat b = run("  device: cuda:0\n", on_cuda);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(on_cpu.ok) << on_cpu.error;
    ASSERT_TRUE(on_cuda.ok) << on_cuda.error;
    EXPECT_EQ(on_cuda.stats["gpen.faces_restored"], 2);
    ASSERT_EQ(b.size(), a.size());
    const double max_diff = cv::norm(a, b, cv::NORM_INF);
    std::printf("stage on cuda:0 vs cpu: max %.0f levels; cuda:0 run (start + 1 image, 2 faces) %.2f s\n", max_diff,
                s);
    EXPECT_LE(max_diff, 2.0);
}

TEST_F(GpuStage, DeviceMemoryLimitAdaptsOrRefuses) {
    // 1 MiB: not even the networks fit; the image fails with the setting named.
    ImageReport refused;
    run("  device: cuda:0\n  device_memory_limit: 1MiB\n", refused);
    EXPECT_FALSE(refused.ok);
    EXPECT_NE(refused.error.find("resources.device_memory_limit"), std::string::npos) << refused.error;
    // Room for one GPEN-512 face per call (1 GiB each) where two were asked for: the same
    // image as without a limit.
    ImageReport limited, free_run;
    const cv::Mat a = run("  device: cuda:0\n  device_memory_limit: 1300MiB\n", limited);
    const cv::Mat b = run("  device: cuda:0\n", free_run);
    ASSERT_TRUE(limited.ok) << limited.error;
    ASSERT_TRUE(free_run.ok) << free_run.error;
    EXPECT_LE(cv::norm(a, b, cv::NORM_INF), 1.0);
    // 100 MiB: RealESRNet runs in tiles of about 80 px instead of 400, to the same image.
    ImageReport small_tiles, big_tiles;
    const cv::Mat c = run("  device: cuda:0\n  device_memory_limit: 100MiB\n", small_tiles, kBackgroundOnly);
    const cv::Mat d = run("  device: cuda:0\n", big_tiles, kBackgroundOnly);
    ASSERT_TRUE(small_tiles.ok) << small_tiles.error;
    ASSERT_TRUE(big_tiles.ok) << big_tiles.error;
    EXPECT_LE(cv::norm(c, d, cv::NORM_INF), 1.0);
}
