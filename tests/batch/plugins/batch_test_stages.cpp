// Small stages for the batch tests, built as a real plugin into a test-only folder:
//   test_faces   provides "faces": each pure red (BGR 0,0,255) blob is a "face"
//   test_mark    needs "faces": paints each face box blue (no face: no change)
//   test_sleep   waits `ms` milliseconds (stops early on Ctrl-C); changes nothing
//   test_throw   fails images whose path contains `match`
//   test_needs_model  cannot start: its model is never there
//   test_threads appends "images_in_flight opencv_threads tbb_parallelism context_threads" to
//                `log` for every image (while `ms` milliseconds overlap with other workers)
#include <portrait/sdk.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <unistd.h>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>
#include <tbb/global_control.h>

namespace {

class FacesStage final : public portrait::Stage {
public:
    FacesStage(const portrait::Params&, portrait::Context&) {}
    void process(portrait::Frame& frame, portrait::Context&) override {
        cv::Mat mask, labels, stats, centroids;
        cv::inRange(frame.image, cv::Scalar(0, 0, 255), cv::Scalar(0, 0, 255), mask);
        const int n = cv::connectedComponentsWithStats(mask, labels, stats, centroids, 8);
        frame.faces.clear();
        for (int i = 1; i < n; ++i) {
            portrait::Face f;
            f.box = cv::Rect2f(float(stats.at<int>(i, cv::CC_STAT_LEFT)), float(stats.at<int>(i, cv::CC_STAT_TOP)),
                               float(stats.at<int>(i, cv::CC_STAT_WIDTH)), float(stats.at<int>(i, cv::CC_STAT_HEIGHT)));
            f.score = 1.f;
            frame.faces.push_back(f);
        }
    }
};

class MarkStage final : public portrait::Stage {
public:
    MarkStage(const portrait::Params&, portrait::Context&) {}
    void process(portrait::Frame& frame, portrait::Context&) override {
        for (const auto& f : frame.faces) cv::rectangle(frame.image, f.box, cv::Scalar(255, 0, 0), cv::FILLED);
    }
};

class SleepStage final : public portrait::Stage {
public:
    SleepStage(const portrait::Params& p, portrait::Context&) : ms_(p.get_int("ms")) {}
    void process(portrait::Frame&, portrait::Context& ctx) override {
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms_);
        while (std::chrono::steady_clock::now() < end && !ctx.cancelled())
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }

private:
    std::int64_t ms_;
};

class ThrowStage final : public portrait::Stage {
public:
    ThrowStage(const portrait::Params& p, portrait::Context&) : match_(p.get_string("match")) {}
    void process(portrait::Frame& frame, portrait::Context&) override {
        if (frame.source.find(match_) != std::string::npos)
            throw std::runtime_error("test_throw: refusing " + frame.source);
    }

private:
    std::string match_;
};

class NeedsModelStage final : public portrait::Stage {
public:
    NeedsModelStage(const portrait::Params&, portrait::Context& ctx) {
        ctx.find_model("batch-test-missing-model", "model.pt");  // throws: never fetched
    }
    void process(portrait::Frame&, portrait::Context&) override {}
};

// What the host gives a stage to work with while other images are in flight: the batch's
// thread budget must cover images in flight x each image's intra-op threads.
class ThreadsStage final : public portrait::Stage {
public:
    ThreadsStage(const portrait::Params& p, portrait::Context&) : log_(p.get_string("log")), ms_(p.get_int("ms")) {}
    void process(portrait::Frame&, portrait::Context& ctx) override {
        const int now = ++in_flight_;
        // Stay a while, so images that can overlap do.
        std::this_thread::sleep_for(std::chrono::milliseconds(ms_));
        const int most = std::max(now, in_flight_.load());
        char line[128];
        const int n = std::snprintf(line, sizeof line, "%d %d %zu %d\n", most, cv::getNumThreads(),
                                    tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism),
                                    ctx.threads());
        --in_flight_;
        // One write(2) of a short line with O_APPEND: lines from two workers never interleave.
        const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd < 0) throw std::runtime_error("test_threads: cannot open " + log_);
        const bool ok = ::write(fd, line, std::size_t(n)) == n;
        ::close(fd);
        if (!ok) throw std::runtime_error("test_threads: cannot write " + log_);
    }

private:
    static std::atomic<int> in_flight_;
    std::string log_;
    std::int64_t ms_;
};
std::atomic<int> ThreadsStage::in_flight_{0};

}  // namespace

PORTRAIT_PLUGIN("batch_test_stages", "1.0.0", "MIT", "Stages for the batch tests") {
    portrait::StageSpec faces;
    faces.name = "test_faces";
    faces.description = "Finds pure red blobs and calls them faces";
    faces.provides = {portrait::caps::kFaces};
    registrar.add<FacesStage>(faces);

    portrait::StageSpec mark;
    mark.name = "test_mark";
    mark.description = "Paints every face box blue";
    mark.needs = {portrait::caps::kFaces};
    registrar.add<MarkStage>(mark);

    portrait::StageSpec sleep;
    sleep.name = "test_sleep";
    sleep.description = "Waits, changes nothing";
    sleep.params = {portrait::int_param("ms", 100, 0, 100000, "milliseconds to wait")};
    registrar.add<SleepStage>(sleep);

    portrait::StageSpec thr;
    thr.name = "test_throw";
    thr.description = "Fails images whose path contains `match`";
    thr.params = {portrait::string_param("match", "bad", "substring of the path that fails")};
    registrar.add<ThrowStage>(thr);

    portrait::StageSpec threads;
    threads.name = "test_threads";
    threads.description = "Logs images in flight and the thread counts it was given";
    threads.params = {portrait::string_param("log", "", "file to append one line per image to"),
                      portrait::int_param("ms", 80, 0, 10000, "milliseconds to stay in process()")};
    registrar.add<ThreadsStage>(threads);

    portrait::StageSpec model;
    model.name = "test_needs_model";
    model.description = "Cannot start: its model is missing";
    registrar.add<NeedsModelStage>(model);
}
