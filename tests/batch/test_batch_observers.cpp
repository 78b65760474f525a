// The runner and the batch seen from a caller in the same process (what the Studio does):
// per-stage events with the faces in output pixels, per-image events, a cancel token per
// run that stops that run and no other, and the working plan made once per image.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "batch_test_util.hpp"
#include "portrait/runtime/batch.hpp"
#include "portrait/runtime/pipeline.hpp"
#include "portrait/runtime/plugin_registry.hpp"
#include "portrait/runtime/runner.hpp"
#include "portrait/runtime/temp_dir.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

const portrait::PluginRegistry& registry() {
    static portrait::PluginRegistry* r = [] {
        auto* reg = new portrait::PluginRegistry();  // plugins are never unloaded
        reg->load_directory(BATCH_TEST_PLUGIN_DIR);
        return reg;
    }();
    return *r;
}

struct PipelineRun {
    bt::TempDir tmp;
    std::unique_ptr<portrait::Runner> runner;
    explicit PipelineRun(const std::string& yaml) {
        runner = std::make_unique<portrait::Runner>(
            portrait::validate_pipeline(portrait::parse_pipeline(yaml, "observers.yaml"), registry()),
            portrait::RunEnvironment{tmp.path(), 2});
    }
};

// A batch over <tmp>/in into <tmp>/out, 2 threads, no progress display.
portrait::BatchOptions folder_batch(const fs::path& tmp) {
    portrait::BatchOptions o;
    o.inputs = {(tmp / "in").string()};
    o.output_dir = tmp / "out";
    o.progress = portrait::ProgressMode::Never;
    o.threads = 2;
    return o;
}

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

TEST(RunObserver, SeesEachStageAndTheFacesInTheInputsPixels) {
    // max_size 400 on an 800x600 photo: the stages work at half size.
    PipelineRun run("resources: {max_size: 400}\nstages:\n  - stage: test_faces\n  - stage: test_mark\n");
    cv::Mat photo = bt::photo(800, 600);
    cv::rectangle(photo, cv::Rect(200, 100, 120, 80), cv::Scalar(0, 0, 255), cv::FILLED);
    std::vector<std::string> ids;
    std::vector<std::vector<portrait::Face>> faces;
    std::vector<cv::Size> working;
    portrait::ProcessOptions options;
    options.on_stage = [&](const portrait::StageEvent& ev) {
        ids.push_back(ev.report.id);
        faces.push_back(ev.faces);
        working.push_back(ev.frame.image.size());
        EXPECT_EQ(ev.stage.id, ev.report.id);
    };
    portrait::ImageReport report;
    const cv::Mat out = run.runner->process(photo, "red.png", report, options);
    ASSERT_TRUE(report.ok) << report.error;
    ASSERT_EQ(ids, (std::vector<std::string>{"test_faces", "test_mark"}));
    EXPECT_EQ(working[0], cv::Size(400, 300));
    // Found at working size, handed over in the input's pixels (the red block, within the
    // half-pixel of the downscale).
    ASSERT_EQ(faces[0].size(), 1u);
    const cv::Rect2f box = faces[0][0].box;
    EXPECT_NEAR(box.x, 200, 2);
    EXPECT_NEAR(box.y, 100, 2);
    EXPECT_NEAR(box.width, 120, 2);
    EXPECT_NEAR(box.height, 80, 2);
    ASSERT_EQ(faces[1].size(), 1u);  // test_mark needs faces: a face stage too
    // The same as the report's final boxes.
    ASSERT_EQ(report.face_boxes.size(), 1u);
    EXPECT_NEAR(report.face_boxes[0].x, box.x, 1);
}

TEST(RunObserver, AStageWithoutFacesGivesNoFacesAndAFailedStageNoEvent) {
    PipelineRun run("stages:\n  - stage: test_sleep\n    params: {ms: 0}\n  - stage: test_throw\n    params: {match: bad}\n");
    int events = 0;
    portrait::ProcessOptions options;
    options.on_stage = [&](const portrait::StageEvent& ev) {
        ++events;
        EXPECT_TRUE(ev.faces.empty());
    };
    portrait::ImageReport report;
    EXPECT_TRUE(run.runner->process(bt::photo(64, 48), "bad.png", report, options).empty());
    EXPECT_FALSE(report.ok);
    EXPECT_EQ(report.failed_stage, "test_throw");
    EXPECT_EQ(events, 1);  // test_sleep only
}

TEST(CancelToken, StopsItsOwnRunAndNoOther) {
    // One runner, two images at once, each with its own token: cancelling one leaves the
    // other to finish, and the process-wide Ctrl-C flag is never set.
    PipelineRun run("stages:\n  - stage: test_sleep\n    params: {ms: 1500}\n");
    const cv::Mat photo = bt::photo(64, 48);
    portrait::ProcessOptions a, b;  // fresh tokens, not following signals
    a.cancel = portrait::CancelToken();
    b.cancel = portrait::CancelToken();
    const auto t0 = Clock::now();
    auto run_one = [&](const portrait::ProcessOptions& o) {
        portrait::ImageReport r;
        run.runner->process(photo, "x.png", r, o);
        return std::make_pair(r, seconds_since(t0));
    };
    auto fa = std::async(std::launch::async, run_one, std::cref(a));
    auto fb = std::async(std::launch::async, run_one, std::cref(b));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    a.cancel.cancel();
    const auto [ra, ta] = fa.get();
    const auto [rb, tb] = fb.get();
    EXPECT_TRUE(ra.cancelled);
    EXPECT_FALSE(ra.ok);
    EXPECT_LT(ta, 1.0) << "the cancelled stage kept waiting";
    EXPECT_TRUE(rb.ok) << rb.error;
    EXPECT_GE(tb, 1.4);
    EXPECT_FALSE(portrait::cancel_requested().load());
    // A copy shares the state.
    portrait::CancelToken t;
    const portrait::CancelToken copy = t;
    copy.cancel();
    EXPECT_TRUE(t.cancelled());
}

TEST(WorkPlan, IsMadeOnceAndUsedAsGiven) {
    PipelineRun run("resources: {max_size: 1000}\nstages:\n  - stage: test_faces\n");
    const cv::Mat photo = bt::photo(2000, 1000);
    const portrait::WorkPlan plan = run.runner->plan(photo.size());
    EXPECT_DOUBLE_EQ(plan.scale, 0.5);
    EXPECT_EQ(plan.peak_bytes, run.runner->estimate_peak_bytes(photo.size()));
    portrait::ImageReport report;
    run.runner->process(photo, "p.png", report);
    EXPECT_EQ(report.working_size, cv::Size(1000, 500));
    // A caller's plan is what process() works at (the batch hands over the one it admitted the image with).
    portrait::ProcessOptions options;
    options.plan = plan;
    options.plan->scale = 0.25;
    run.runner->process(photo, "p.png", report, options);
    ASSERT_TRUE(report.ok) << report.error;
    EXPECT_EQ(report.working_size, cv::Size(500, 250));
    // A plan made for other pixels is not taken: process() plans the image itself.
    options.plan->full = cv::Size(4000, 2000);
    run.runner->process(photo, "p.png", report, options);
    EXPECT_EQ(report.working_size, cv::Size(1000, 500));
}

TEST(BatchObserver, SeesTheTotalAndEveryImageInTheOrderTheyEnd) {
    bt::TempDir tmp;
    fs::create_directories(tmp / "in" / "sub");
    for (int i = 0; i < 5; ++i)
        cv::imwrite((tmp / "in" / (i < 3 ? "" : "sub") / ("p" + std::to_string(i) + ".png")).string(), bt::photo(40, 30, i));
    bt::write_bytes(tmp / "in" / "broken.jpg", {'n', 'o', 't'});
    PipelineRun run("stages:\n  - stage: test_faces\n");
    portrait::BatchOptions o = folder_batch(tmp.path());
    // The list is made once, before the run, and the run takes it as it is.
    portrait::BatchInputs inputs = portrait::list_batch_inputs(o);
    ASSERT_EQ(inputs.inputs.size(), 6u);
    inputs.inputs.pop_back();  // a caller may narrow it
    int total_seen = -1;
    std::vector<int> done_seen;
    std::vector<std::string> statuses;
    std::atomic<int> concurrent{0};
    bool overlapped = false;
    portrait::BatchObserver watch;
    watch.started = [&](int total) { total_seen = total; };
    watch.item_done = [&](const portrait::BatchItem& item, int done, int total) {
        overlapped |= concurrent.fetch_add(1) != 0;
        done_seen.push_back(done);
        EXPECT_EQ(total, 5);
        statuses.push_back(portrait::to_string(item.status));
        concurrent.fetch_sub(1);
    };
    const portrait::BatchSummary s = portrait::run_batch(*run.runner, o, std::move(inputs), watch);
    EXPECT_EQ(total_seen, 5);
    EXPECT_EQ(done_seen, (std::vector<int>{1, 2, 3, 4, 5}));
    EXPECT_FALSE(overlapped) << "item_done was called from two threads at once";
    EXPECT_EQ(s.ok, 4);
    EXPECT_EQ(s.failed, 1);  // broken.jpg: failed images are events too
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), "failed"), 1);
}

TEST(BatchObserver, ACancelTokenStopsTheBatchCleanly) {
    bt::TempDir tmp;
    fs::create_directories(tmp / "in");
    for (int i = 0; i < 6; ++i) cv::imwrite((tmp / "in" / ("p" + std::to_string(i) + ".png")).string(), bt::photo(32, 32, i));
    PipelineRun run("stages:\n  - stage: test_sleep\n    params: {ms: 20000}\n");
    portrait::BatchOptions o = folder_batch(tmp.path());
    o.cancel = portrait::CancelToken();
    std::thread stopper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        o.cancel.cancel();
    });
    const auto t0 = Clock::now();
    int ended = 0;
    portrait::BatchObserver watch;
    watch.item_done = [&](const portrait::BatchItem&, int, int) { ++ended; };
    const portrait::BatchSummary s = portrait::run_batch(*run.runner, o, watch);
    stopper.join();
    EXPECT_LT(seconds_since(t0), 5.0);
    EXPECT_TRUE(s.interrupted);
    EXPECT_EQ(s.ok, 0);
    EXPECT_EQ(s.cancelled, 6);
    EXPECT_EQ(ended, 2);  // the two in flight end as cancelled; the rest never started
    EXPECT_FALSE(portrait::cancel_requested().load());
}
