// The stage through the host: plugin loading, model lookup errors, the runner's
// output_scale extension (scale 2, with and without a working resolution), and an
// end-to-end run with the real face_mesh stage when it and its models are available.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "gpen_stage_fixture.hpp"
#include "gpen_test_util.hpp"

using namespace portrait;
using gpen_test::write_module;
namespace fs = std::filesystem;

namespace {

// R = +1, G = B = -1: a restored face that is pure red.
const char* kRedFace =
    "  o = torch.ones_like(x[:, 0:1])\n"
    "  return torch.cat([o, -o, -o], 1)\n";

using GpenStage = gpen_test::StageTest;

}  // namespace

TEST_F(GpenStage, MissingModelNamesFoldersAndConverter) {
    try {
        runner("  - stage: test_faces\n  - stage: gpen\n    params:\n      model: \"1024\"\n");
        FAIL() << "stage started without its model";
    } catch (const std::runtime_error& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("gpen-1024"), std::string::npos) << m;
        EXPECT_NE(m.find((dir_ / "models" / "gpen-1024" / "model.pt").string()), std::string::npos) << m;
        EXPECT_NE(m.find((dir_ / "cache").string()), std::string::npos) << m;
        // The catalogue's entry for the model, as data turned into the hint (model_hint).
        EXPECT_NE(m.find("get it with: portrait models fetch gpen-hires   (downloads ModelScope's "
                         "damo/cv_gpen_image-portrait-enhancement-hires; or from a download of it: "
                         "portrait models convert gpen-1024 SOURCE)"),
                  std::string::npos)
            << m;
        EXPECT_NE(m.find("SOURCE for 'gpen-1024': pytorch_model.pt of the ModelScope GPEN-1024 download"), std::string::npos) << m;
    }
    write_module(dir_ / "models", "gpen-512", "  return x\n");
    try {
        runner("  - stage: test_faces\n  - stage: gpen\n    params:\n      background: realesrnet\n");
        FAIL() << "stage started without its background model";
    } catch (const std::runtime_error& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("realesrnet-x2"), std::string::npos) << m;
        EXPECT_NE(m.find("SOURCE for 'realesrnet-x2': super_resolution/realesrnet_x2.pth"), std::string::npos) << m;
        EXPECT_EQ(m.find("python3"), std::string::npos) << m;
    }
}

TEST_F(GpenStage, ModelOfAnotherSizeIsRefused) {
    const fs::path f = write_module(dir_ / "models", "gpen-512", "  return x\n");
    std::ofstream(f.string() + ".json") << R"({"size": 1024, "style_dim": 512})";
    try {
        runner("  - stage: test_faces\n  - stage: gpen\n");
        FAIL() << "a GPEN-1024 file was accepted as gpen-512";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("GPEN-1024"), std::string::npos) << e.what();
    }
    // A sha256 mismatch is caught by the host's model check before loading.
    std::ofstream(f.string() + ".sha256") << std::string(64, '0') << "  model.pt\n";
    EXPECT_THROW(runner("  - stage: test_faces\n  - stage: gpen\n"), std::runtime_error);
}

TEST_F(GpenStage, IdentityModelLeavesTheImageUnchanged) {
    write_module(dir_ / "models", "gpen-512", "  return x\n");
    auto r = runner("  - stage: test_faces\n    params:\n      centres: \"300,280\"\n      crop: 512\n"
                    "  - stage: gpen\n    params:\n      crop_from: working\n");
    const cv::Mat img = textured({640, 600});
    ImageReport rep;
    const cv::Mat out = r->process(img, "t", rep);
    ASSERT_TRUE(rep.ok) << rep.error;
    EXPECT_EQ(rep.stats["gpen.faces_restored"], 1);
    EXPECT_LE(cv::norm(out, img, cv::NORM_INF), 1.0);
}

TEST_F(GpenStage, ScaleTwoDoublesTheOutput) {
    write_module(dir_ / "models", "gpen-512", kRedFace);
    const std::string stages =
        "  - stage: test_faces\n    params:\n      centres: \"200,150\"\n      crop: 200\n"
        "  - stage: gpen\n    params:\n      scale: 2\n      background: bicubic\n";
    const cv::Mat img = textured({400, 300});
    cv::Mat bicubic;
    cv::resize(img, bicubic, {800, 600}, 0, 0, cv::INTER_CUBIC);
    {  // working resolution = full resolution: the stage's image is the result
        auto r = runner(stages);
        ImageReport rep;
        const cv::Mat out = r->process(img, "t", rep);
        ASSERT_TRUE(rep.ok) << rep.error;
        ASSERT_EQ(out.size(), cv::Size(800, 600));
        EXPECT_EQ(out.at<cv::Vec3b>(300, 400), cv::Vec3b(0, 0, 255));  // face centre, doubled
        EXPECT_EQ(cv::norm(out(cv::Rect(0, 0, 100, 100)), bicubic(cv::Rect(0, 0, 100, 100)), cv::NORM_INF), 0);
    }
    {  // 4-channel 800x600 input worked on at 400x300: the host enlarges the full image
        // and carries the change; faces are placed in working pixels. A smooth image, since
        // the carried change keeps the full-resolution detail the working image lacks.
        cv::Mat full = textured({800, 600}), bgra;
        cv::GaussianBlur(full, full, cv::Size(0, 0), 8.0);
        cv::cvtColor(full, bgra, cv::COLOR_BGR2BGRA);
        auto r = runner(stages, 400);
        ImageReport rep;
        const cv::Mat out = r->process(bgra, "t", rep);
        ASSERT_TRUE(rep.ok) << rep.error;
        ASSERT_EQ(out.size(), cv::Size(1600, 1200));
        ASSERT_EQ(out.type(), CV_8UC4);
        const cv::Vec4b c = out.at<cv::Vec4b>(600, 800);
        EXPECT_LE(c[0], 6);
        EXPECT_LE(c[1], 6);
        EXPECT_GE(c[2], 249);
        EXPECT_EQ(c[3], 255);
    }
}

TEST_F(GpenStage, EndToEndWithFaceMesh) {
    const fs::path mesh = fs::path(GPEN_PLUGIN_DIR) / "portrait_face_mesh.so";
    if (!fs::is_regular_file(mesh)) GTEST_SKIP() << "face_mesh plugin not built (" << mesh << ")";
    const char* home = std::getenv("HOME");
    const fs::path real_cache = home ? fs::path(home) / ".cache" / "portrait" : fs::path();
    if (!fs::is_directory(real_cache / "models" / "facemesh") || !fs::is_directory(real_cache / "models" / "blazeface"))
        GTEST_SKIP() << "facemesh model not fetched (portrait models fetch facemesh blazeface)";
    const fs::path photo = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png";
    if (!fs::is_regular_file(photo)) GTEST_SKIP() << "test photo " << photo << " missing (python3-skimage)";
    ASSERT_TRUE(registry_.load_file(mesh));
    setenv("PORTRAIT_CACHE", real_cache.c_str(), 1);  // face_mesh's models; gpen's come from model_paths
    write_module(dir_ / "models", "gpen-512", kRedFace);
    std::unique_ptr<Runner> r;
    try {
        r = runner("  - stage: face_mesh\n  - stage: gpen\n    params:\n      feather: 0\n");
    } catch (const std::runtime_error& e) {
        GTEST_SKIP() << "face_mesh could not start: " << e.what();
    }
    const cv::Mat img = cv::imread(photo.string(), cv::IMREAD_COLOR);
    ImageReport rep;
    const cv::Mat out = r->process(img, "astronaut", rep);
    ASSERT_TRUE(rep.ok) << rep.error;
    ASSERT_EQ(rep.stats["gpen.faces_restored"], 1);
    // The red square covers the face: the astronaut's face is around (255, 140) in 512x512.
    EXPECT_EQ(out.at<cv::Vec3b>(150, 255), cv::Vec3b(0, 0, 255));
    EXPECT_EQ(cv::norm(out(cv::Rect(0, 400, 100, 100)), img(cv::Rect(0, 400, 100, 100)), cv::NORM_INF), 0);
}

// background: esrgan-slim (issue 14): scale 2 with real, npm-fetched weights. Outside the
// face the output is exactly what the super_resolution stage makes of the same photo.
TEST_F(GpenStage, EsrganBackgroundIsTheSuperResolutionStagesEnlargement) {
    const char* home = std::getenv("HOME");
    const fs::path user = fs::path(home ? home : "/root") / ".cache" / "portrait" / "models" / "esrgan-slim";
    if (!fs::is_regular_file(user / "x2" / "model.pt"))
        GTEST_SKIP() << "esrgan-slim not fetched (portrait models fetch esrgan-slim)";
    const fs::path photo = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png";
    if (!fs::is_regular_file(photo)) GTEST_SKIP() << "test photo " << photo << " missing (python3-skimage)";
    fs::copy(user, dir_ / "models" / "esrgan-slim", fs::copy_options::recursive);
    write_module(dir_ / "models", "gpen-512", kRedFace);
    ASSERT_TRUE(registry_.load_file(fs::path(GPEN_PLUGIN_DIR) / "portrait_super_resolution.so"));
    const cv::Mat img = cv::imread(photo.string(), cv::IMREAD_COLOR);

    ImageReport rep;
    const cv::Mat out = runner("  - stage: test_faces\n    params:\n      centres: \"256,120\"\n      crop: 100\n"
                               "  - stage: gpen\n    params:\n      scale: 2\n      background: esrgan-slim\n")
                            ->process(img, "astronaut", rep);
    ASSERT_TRUE(rep.ok) << rep.error;
    ASSERT_EQ(out.size(), img.size() * 2);
    EXPECT_EQ(out.at<cv::Vec3b>(240, 512), cv::Vec3b(0, 0, 255));  // the face, restored (red), doubled

    ImageReport sr_rep;
    const cv::Mat sr = runner("  - stage: super_resolution\n    params:\n      model: slim\n      scale: 2\n"
                              "      tile: 192\n      tile_pad: 24\n")
                           ->process(img, "astronaut", sr_rep);
    ASSERT_TRUE(sr_rep.ok) << sr_rep.error;
    const cv::Rect below(0, 600, 1024, 424);  // far from the face's paste mask
    EXPECT_EQ(cv::norm(out(below), sr(below), cv::NORM_INF), 0);
    // And it is not a plain interpolation: ESRGAN differs from bicubic there.
    cv::Mat bicubic;
    cv::resize(img, bicubic, out.size(), 0, 0, cv::INTER_CUBIC);
    EXPECT_LT(cv::PSNR(out(below), bicubic(below)), 40.0);
}

TEST_F(GpenStage, MissingEsrganBackgroundNamesTheFetch) {
    write_module(dir_ / "models", "gpen-512", "  return x\n");
    try {
        runner("  - stage: test_faces\n  - stage: gpen\n    params:\n      scale: 2\n      background: esrgan-thick\n");
        FAIL() << "stage started without its background model";
    } catch (const std::runtime_error& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("background: esrgan-thick"), std::string::npos) << m;
        EXPECT_NE(m.find((dir_ / "models" / "esrgan-thick" / "x2" / "model.pt").string()), std::string::npos) << m;
        EXPECT_NE(m.find("portrait models fetch esrgan-thick"), std::string::npos) << m;
    }
}
