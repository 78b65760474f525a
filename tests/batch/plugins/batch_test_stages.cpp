// Small stages for the batch tests, built as a real plugin into a test-only folder:
//   test_faces   provides "faces": each pure red (BGR 0,0,255) blob is a "face"
//   test_mark    needs "faces": paints each face box blue (no face: no change)
//   test_sleep   waits `ms` milliseconds (stops early on Ctrl-C); changes nothing
//   test_throw   fails images whose path contains `match`
//   test_needs_model  cannot start: its model is never there
#include <portrait/sdk.hpp>

#include <chrono>
#include <stdexcept>
#include <thread>

#include <opencv2/imgproc.hpp>

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
        frame.stats["faces"] = double(frame.faces.size());
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

    portrait::StageSpec model;
    model.name = "test_needs_model";
    model.description = "Cannot start: its model is missing";
    registrar.add<NeedsModelStage>(model);
}
