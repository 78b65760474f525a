// Stages for the studio tests, built as a real plugin into a test-only folder:
//   studio_slow         waits `seconds`, returning early once the job is cancelled (as the SDK
//                       asks of long stages); changes nothing
//   studio_faces        provides "faces": one face box (with a small mesh) in the image centre
//   studio_needs_model  cannot start: its model is never there
#include <portrait/sdk.hpp>

#include <chrono>
#include <thread>

namespace {

class SlowStage final : public portrait::Stage {
public:
    SlowStage(const portrait::Params& p, portrait::Context&) : seconds_(p.get_float("seconds")) {}
    void process(portrait::Frame&, portrait::Context& ctx) override {
        const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds_);
        while (std::chrono::steady_clock::now() < end && !ctx.cancelled())
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }

private:
    double seconds_;
};

class FacesStage final : public portrait::Stage {
public:
    FacesStage(const portrait::Params&, portrait::Context&) {}
    void process(portrait::Frame& frame, portrait::Context&) override {
        const float w = float(frame.image.cols), h = float(frame.image.rows);
        portrait::Face f;
        f.box = cv::Rect2f(w / 3, h / 3, w / 3, h / 3);
        f.score = 0.9f;
        for (int i = 0; i < 6; ++i) f.keypoints.emplace_back(w / 3 + float(i) * w / 18, h / 2);
        for (int i = 0; i < 10; ++i) f.landmarks.emplace_back(w / 3 + float(i) * w / 30, h / 2 + h / 12);
        frame.faces = {f};
    }
};

class NeedsModelStage final : public portrait::Stage {
public:
    NeedsModelStage(const portrait::Params&, portrait::Context& ctx) {
        ctx.find_model("studio-test-missing", "model.pt");  // throws: never fetched
    }
    void process(portrait::Frame&, portrait::Context&) override {}
};

}  // namespace

PORTRAIT_PLUGIN("studio_test_stages", "1.0.0", "MIT", "Stages for the studio tests") {
    portrait::StageSpec slow;
    slow.name = "studio_slow";
    slow.description = "Waits, checking for cancellation";
    slow.params = {portrait::float_param("seconds", 10.0, 0.0, 600.0, "how long to wait")};
    registrar.add<SlowStage>(slow);

    portrait::StageSpec faces;
    faces.name = "studio_faces";
    faces.description = "One face in the image centre";
    faces.provides = {portrait::caps::kFaces, portrait::caps::kFaceMesh};
    registrar.add<FacesStage>(faces);

    portrait::StageSpec model;
    model.name = "studio_needs_model";
    model.description = "Needs a model that is never there";
    registrar.add<NeedsModelStage>(model);
}
