// The runner at working resolution on large images, and run_batch's rule that a
// stage that throws fails only its own image.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "portrait/runtime/batch.hpp"
#include "portrait/runtime/pipeline.hpp"
#include "portrait/runtime/plugin_registry.hpp"
#include "portrait/runtime/runner.hpp"
#include "portrait/runtime/sha256.hpp"
#include "spine_test_util.hpp"

namespace fs = std::filesystem;

namespace {

struct PipelineRun {
    spine::TempDir tmp;
    std::unique_ptr<portrait::Runner> runner;
    explicit PipelineRun(const std::string& yaml) {
        runner = std::make_unique<portrait::Runner>(spine::resolve(yaml), portrait::RunEnvironment{tmp.path(), 2});
    }
};

// Pixels of a and b that differ outside `keep_out` (full-resolution rectangle).
int differences_outside(const cv::Mat& a, const cv::Mat& b, cv::Rect keep_out) {
    cv::Mat diff;
    cv::absdiff(a, b, diff);
    cv::Mat any;
    cv::transform(diff, any, cv::Matx13f(1, 1, 1));
    any.convertTo(any, CV_8U);
    any(keep_out & cv::Rect(0, 0, a.cols, a.rows)).setTo(0);
    return cv::countNonZero(any);
}

cv::Rect grow(cv::Rect r, int m) { return cv::Rect(r.x - m, r.y - m, r.width + 2 * m, r.height + 2 * m); }

}  // namespace

TEST(Runner, MaxSizeKeepsFullResolutionAndUntouchedPixelsIdentical) {
    PipelineRun run("resources: {max_size: 1920}\nstages:\n  - stage: spine_rect\n    params: {value: 200}\n");
    const cv::Mat input = spine::photo(4000, 3000);
    portrait::ImageReport report;
    const cv::Mat out = run.runner->process(input, "big.png", report);
    ASSERT_TRUE(report.ok) << report.error;
    EXPECT_EQ(report.working_size, cv::Size(1920, 1440));
    ASSERT_EQ(out.size(), cv::Size(4000, 3000));
    ASSERT_EQ(out.type(), CV_8UC3);
    // The stage painted working x 480..959, y 360..719, i.e. full 1000..1999, 750..1499.
    // Bilinear upsampling of the change reaches ~1 working pixel (2.1 full pixels) beyond.
    const cv::Rect painted(1000, 750, 1000, 750);
    EXPECT_EQ(differences_outside(out, input, grow(painted, 3)), 0);
    // Inside, the change is there and the input's detail is kept (not a flat 200 block
    // upsampled from the working image).
    const cv::Rect inner = grow(painted, -4);
    const cv::Scalar mean = cv::mean(out(inner));
    EXPECT_NEAR(mean[0], 200, 3);
    cv::Mat flat(inner.size(), CV_8UC3, cv::Scalar::all(200)), dev;
    cv::absdiff(out(inner), flat, dev);
    EXPECT_GT(cv::mean(dev)[0], 3.0) << "detail of the full-resolution input was lost";
    ASSERT_EQ(report.stages.size(), 1u);
    EXPECT_TRUE(report.stages[0].changed);
}

TEST(Runner, WarpIsCarriedToFullResolutionAndUntouchedPixelsIdentical) {
    PipelineRun run("resources: {max_size: 1920}\nstages:\n  - stage: spine_warp\n    params: {shift: 3}\n");
    const cv::Mat input = spine::photo(4000, 3000, 7);
    portrait::ImageReport report;
    const cv::Mat out = run.runner->process(input, "big.png", report);
    ASSERT_TRUE(report.ok) << report.error;
    ASSERT_EQ(out.size(), cv::Size(4000, 3000));
    const cv::Rect moved(1000, 750, 1000, 750);
    EXPECT_EQ(differences_outside(out, input, grow(moved, 3)), 0);
    // Inside, output(x, y) = input(x + 3 / 0.48, y): the full-resolution pixels moved,
    // so their texture is still there, sharp.
    const cv::Rect inner = grow(moved, -4);
    cv::Mat map(input.size(), CV_32FC2);
    for (int y = 0; y < map.rows; ++y)
        for (int x = 0; x < map.cols; ++x) map.at<cv::Vec2f>(y, x) = cv::Vec2f(float(x) + 6.25f, float(y));
    cv::Mat expected, err;
    cv::remap(input, expected, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
    cv::absdiff(out(inner), expected(inner), err);
    EXPECT_LT(cv::mean(err)[0], 1.0);
    // An upsampled working image would have lost the per-pixel noise.
    cv::Mat blurred;
    cv::resize(expected, blurred, {1920, 1440}, 0, 0, cv::INTER_AREA);
    cv::resize(blurred, blurred, input.size(), 0, 0, cv::INTER_LINEAR);
    cv::absdiff(blurred(inner), expected(inner), err);
    EXPECT_GT(cv::mean(err)[0], 3.0);
}

TEST(Runner, SixteenBitAndAlphaAreCarried) {
    PipelineRun run("resources: {max_size: 0}\nstages:\n  - stage: spine_rect\n    params: {value: 255}\n");
    cv::Mat input(100, 200, CV_16UC4, cv::Scalar(1000, 2000, 3000, 40000));
    portrait::ImageReport report;
    const cv::Mat out = run.runner->process(input, "deep.png", report);
    ASSERT_TRUE(report.ok) << report.error;
    ASSERT_EQ(out.type(), CV_16UC4);
    // Outside the rectangle (x 50..99, y 25..49) nothing moved, alpha never does.
    EXPECT_EQ(out.at<cv::Vec4w>(0, 0), cv::Vec4w(1000, 2000, 3000, 40000));
    EXPECT_EQ(out.at<cv::Vec4w>(99, 199), cv::Vec4w(1000, 2000, 3000, 40000));
    const cv::Vec4w in_rect = out.at<cv::Vec4w>(30, 60);
    EXPECT_GT(in_rect[0], 60000);
    EXPECT_EQ(in_rect[3], 40000);
}

TEST(Runner, AStageThatCannotStartNamesItself) {
    try {
        PipelineRun run("stages:\n  - stage: spine_needs_model\n    id: needy\n");
        FAIL() << "the runner started a stage whose model is missing";
    } catch (const std::runtime_error& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("stage 'needy'"), std::string::npos) << m;
        EXPECT_NE(m.find("spine_stages"), std::string::npos) << m;
        EXPECT_NE(m.find("spine-test-missing-model"), std::string::npos) << m;
        // No catalogue entry provides it: the hint says so instead of a fetch that cannot work.
        EXPECT_NE(m.find("no entry of "), std::string::npos) << m;
        EXPECT_NE(m.find("catalogue.yaml provides 'spine-test-missing-model'"), std::string::npos) << m;
        EXPECT_EQ(m.find("portrait models fetch"), std::string::npos) << m;
    }
}

TEST(Runner, AThrowingStageFailsTheImageWithItsName) {
    PipelineRun run("stages:\n  - stage: spine_throw\n    id: boom\n    params: {when_blue: 7}\n");
    portrait::ImageReport report;
    const cv::Mat out = run.runner->process(cv::Mat(10, 10, CV_8UC3, cv::Scalar(7, 0, 0)), "x.png", report);
    EXPECT_TRUE(out.empty());
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.failed_stage, "boom");
    EXPECT_NE(report.error.find("stage 'boom' failed: spine_throw: blue 7 is refused"), std::string::npos)
        << report.error;
    // The same runner goes on with the next image.
    const cv::Mat ok = run.runner->process(cv::Mat(10, 10, CV_8UC3, cv::Scalar(8, 0, 0)), "y.png", report);
    EXPECT_TRUE(report.ok);
    EXPECT_FALSE(ok.empty());
}

TEST(RunBatch, AStageThatThrowsFailsOnlyItsImage) {
    spine::TempDir tmp;
    const fs::path in = tmp / "in", out = tmp / "out", work = tmp / "work";
    fs::create_directories(in);
    fs::create_directories(work);
    // b.png's top-left blue value is 7: spine_throw (id "boom") refuses it.
    ASSERT_TRUE(cv::imwrite((in / "a.png").string(), cv::Mat(48, 64, CV_8UC3, cv::Scalar(10, 20, 30))));
    ASSERT_TRUE(cv::imwrite((in / "b.png").string(), cv::Mat(48, 64, CV_8UC3, cv::Scalar(7, 20, 30))));
    ASSERT_TRUE(cv::imwrite((in / "c.png").string(), cv::Mat(48, 64, CV_8UC3, cv::Scalar(12, 20, 30))));
    portrait::Runner runner(spine::resolve("stages:\n"
                                           "  - stage: spine_rect\n    id: paint\n    params: {value: 99}\n"
                                           "  - stage: spine_throw\n    id: boom\n    params: {when_blue: 7}\n"),
                            portrait::RunEnvironment{work, 2});
    portrait::BatchOptions o;
    o.inputs = {in.string()};
    o.output_dir = out;
    o.threads = 2;
    o.progress = portrait::ProgressMode::Never;
    o.report_json = tmp / "report.json";
    const portrait::BatchSummary s = portrait::run_batch(runner, o);
    EXPECT_EQ(s.ok, 2);
    EXPECT_EQ(s.failed, 1);
    ASSERT_EQ(s.items.size(), 3u);
    for (const auto& item : s.items) {
        const std::string name = item.input.filename().string();
        if (name == "b.png") {
            EXPECT_EQ(item.status, portrait::ItemStatus::Failed);
            EXPECT_EQ(item.report.failed_stage, "boom");
            EXPECT_NE(item.error.find("stage 'boom' failed"), std::string::npos) << item.error;
            EXPECT_FALSE(fs::exists(out / "b.png"));
        } else {
            EXPECT_EQ(item.status, portrait::ItemStatus::Ok) << name << ": " << item.error;
            const cv::Mat written = cv::imread((out / name).string(), cv::IMREAD_UNCHANGED);
            ASSERT_FALSE(written.empty()) << name;
            EXPECT_EQ(written.size(), cv::Size(64, 48));
            EXPECT_EQ(written.at<cv::Vec3b>(20, 20), cv::Vec3b(99, 99, 99));  // painted
            EXPECT_EQ(written.at<cv::Vec3b>(0, 0)[1], 20);                    // untouched
        }
    }
    // The JSON report says which stage failed.
    std::ifstream f(o.report_json);
    const nlohmann::json rep = nlohmann::json::parse(f);
    int failed_items = 0;
    for (const auto& it : rep["items"]) {
        if (it["status"] != "failed") continue;
        ++failed_items;
        EXPECT_EQ(it["failed_stage"], "boom");
        EXPECT_NE(it["error"].get<std::string>().find("b.png"), std::string::npos);
    }
    EXPECT_EQ(failed_items, 1);
}

TEST(Runner, FingerprintChangesWithAReconvertedModelOrARebuiltPlugin) {
    // A model found through find_model counts by the digest its sidecar vouches for.
    spine::TempDir models;
    const auto put_model = [&](const std::string& bytes) {
        spine::write_text(models / "spine-model" / "model.pt", bytes);
        const std::string digest = portrait::sha256_file(models / "spine-model" / "model.pt");
        spine::write_text(models / "spine-model" / "model.pt.sha256", digest + "  model.pt\n");
    };
    const std::string yaml = "model_paths: [" + models.path().string() +
                             "]\nstages:\n  - stage: spine_needs_model\n    params: {model: spine-model}\n";
    const portrait::BatchOptions options;
    put_model("first conversion\n");
    const std::string first = portrait::pipeline_fingerprint(*PipelineRun(yaml).runner, options);
    EXPECT_EQ(first, portrait::pipeline_fingerprint(*PipelineRun(yaml).runner, options)) << "not stable";
    put_model("second conversion\n");
    EXPECT_NE(first, portrait::pipeline_fingerprint(*PipelineRun(yaml).runner, options));

    // A plugin counts by its file's bytes: the same plugin rebuilt (here: a byte appended,
    // which leaves it loadable) is another fingerprint.
    spine::TempDir plugins;
    const fs::path copy = plugins / "portrait_spine_stages.so";
    fs::copy_file(SPINE_STAGES_SO, copy);
    const auto fingerprint_with_copy = [&] {
        portrait::PluginRegistry reg;
        EXPECT_TRUE(reg.load_file(copy));
        spine::TempDir tmp;
        portrait::Runner runner(
            portrait::validate_pipeline(portrait::parse_pipeline("stages:\n  - stage: spine_rect\n", "p.yaml"), reg),
            portrait::RunEnvironment{tmp.path(), 1});
        return portrait::pipeline_fingerprint(runner, options);
    };
    const std::string built = fingerprint_with_copy();
    std::ofstream(copy, std::ios::app) << '\0';
    EXPECT_NE(built, fingerprint_with_copy());
}

TEST(Runner, FingerprintCountsABudgetTheUserSet) {
    // A budget the user sets can shrink the working size, so it is part of the fingerprint;
    // the machine's default (half its memory) is not, so that shards on machines of different
    // sizes agree (batch.cpp, pipeline_fingerprint).
    const std::string stages = "stages:\n  - stage: spine_rect\n";
    PipelineRun by_default(stages), set("resources: {memory_limit: 3GiB}\n" + stages),
        other("resources: {memory_limit: 5GiB}\n" + stages);
    const portrait::BatchOptions options;
    const std::string a = portrait::pipeline_fingerprint(*by_default.runner, options);
    EXPECT_NE(a, portrait::pipeline_fingerprint(*set.runner, options));
    EXPECT_NE(portrait::pipeline_fingerprint(*set.runner, options), portrait::pipeline_fingerprint(*other.runner, options));
    PipelineRun unlimited("resources: {memory_limit: 0}\n" + stages);
    EXPECT_NE(a, portrait::pipeline_fingerprint(*unlimited.runner, options)) << "0 is a budget the user set";
}
