// portrait::testing::StageHarness (portrait/testing.hpp) on real plugin files: the stage
// built from a YAML snippet, checked as a pipeline is; its pixels, log, models and
// cancellation; and the errors a plugin author meets.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>

#include <opencv2/core.hpp>

#include "portrait/runtime/sha256.hpp"
#include "portrait/testing.hpp"
#include "spine_test_util.hpp"

namespace fs = std::filesystem;
using portrait::testing::StageHarness;

namespace {

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST(StageHarness, RunsTheStageWithTheParametersOfTheSnippet) {
    StageHarness h(SPINE_STAGES_SO, "spine_rect", "{value: 77, x0: 0.5, y0: 0.5,\n x1: 1.0, y1: 1.0}");
    EXPECT_EQ(h.spec().name, "spine_rect");
    EXPECT_EQ(h.params().get_int("value"), 77);
    const cv::Mat in(40, 60, CV_8UC3, cv::Scalar(10, 20, 30));
    const portrait::Frame f = h.process(in);
    EXPECT_EQ(f.image.at<cv::Vec3b>(0, 0), cv::Vec3b(10, 20, 30));     // outside the rectangle
    EXPECT_EQ(f.image.at<cv::Vec3b>(39, 59), cv::Vec3b(77, 77, 77));   // inside (x >= 30, y >= 20)
    EXPECT_EQ(f.image.at<cv::Vec3b>(19, 59), cv::Vec3b(10, 20, 30));
    EXPECT_EQ(in.at<cv::Vec3b>(39, 59), cv::Vec3b(10, 20, 30)) << "the input is copied, never changed";
    // Defaults fill what the snippet leaves out.
    StageHarness d(SPINE_STAGES_SO, "spine_rect");
    EXPECT_EQ(d.params().get_int("value"), 200);
    // What a stage needs is the test's to put in the frame: no providing stage is asked for.
    StageHarness n(SPINE_STAGES_SO, "spine_need");
    EXPECT_EQ(n.spec().needs, std::vector<std::string>{"spine_cap"});
}

TEST(StageHarness, ParametersAreCheckedAsAPipelinesAre) {
    const std::string range = error_of([] { StageHarness(SPINE_STAGES_SO, "spine_rect", "{value: 300}"); });
    EXPECT_NE(range.find("value"), std::string::npos) << range;
    EXPECT_NE(range.find("255"), std::string::npos) << range;
    const std::string unknown = error_of([] { StageHarness(SPINE_STAGES_SO, "spine_rect", "{valeu: 3}"); });
    EXPECT_NE(unknown.find("no parameter 'valeu'"), std::string::npos) << unknown;
    EXPECT_NE(unknown.find("did you mean"), std::string::npos) << unknown;
}

TEST(StageHarness, ThePluginIsCheckedAsTheHostChecksIt) {
    const std::string refused = error_of([] { StageHarness(SPINE_ABI999_SO, "spine_rect"); });
    EXPECT_NE(refused.find("refused"), std::string::npos) << refused;
    EXPECT_NE(refused.find("ABI"), std::string::npos) << refused;
    const std::string missing = error_of([] { StageHarness(SPINE_STAGES_SO, "no_such_stage"); });
    EXPECT_NE(missing.find("has no stage 'no_such_stage'"), std::string::npos) << missing;
    const std::string cannot = error_of([] { StageHarness(SPINE_STAGES_SO, "spine_needs_model"); });
    EXPECT_NE(cannot.find("could not start"), std::string::npos) << cannot;
    EXPECT_NE(cannot.find("spine-test-missing-model"), std::string::npos) << cannot;
}

TEST(StageHarness, TheStageFailingIsAnErrorWithItsMessage) {
    StageHarness h(SPINE_STAGES_SO, "spine_throw", "{when_blue: 5}");
    h.process(cv::Mat(8, 8, CV_8UC3, cv::Scalar(4, 0, 0)));
    const std::string e = error_of([&] { h.process(cv::Mat(8, 8, CV_8UC3, cv::Scalar(5, 0, 0))); });
    EXPECT_NE(e.find("blue 5 is refused"), std::string::npos) << e;
}

TEST(StageHarness, LogModelsAndCancellationComeFromTheTestContext) {
    StageHarness h(SPINE_STAGES_SO, "spine_sleep", "{ms: 20000}");
    h.cancel();
    const auto t0 = std::chrono::steady_clock::now();
    h.process(cv::Mat(8, 8, CV_8UC3, cv::Scalar::all(0)));
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10.0)
        << "cancelled() was not seen";
    EXPECT_NE(h.log().find("[info] sleeping 20000 ms"), std::string::npos) << h.log();
    EXPECT_TRUE(fs::exists(h.context().temp_dir() / "sleeping"));
    h.clear_log();
    EXPECT_EQ(h.log(), "");

    // Model folders named in the options are searched, with the sidecar checked.
    spine::TempDir models;
    spine::write_text(models / "spine-model" / "model.pt", "weights\n");
    spine::write_text(models / "spine-model" / "model.pt.sha256",
                      portrait::sha256_file(models / "spine-model" / "model.pt") + "  model.pt\n");
    portrait::testing::HarnessOptions o;
    o.model_dirs = {models.path()};
    StageHarness m(SPINE_STAGES_SO, "spine_needs_model", "{model: spine-model}", o);
    EXPECT_EQ(m.context().find_model("spine-model", "model.pt"), models / "spine-model" / "model.pt");
    std::ofstream(models / "spine-model" / "model.pt", std::ios::app) << "tampered";
    const std::string bad = error_of([&] { m.context().find_model("spine-model", "model.pt"); });
    EXPECT_NE(bad.find("sha256"), std::string::npos) << bad;
}
