#include "face_probe.hpp"

#include <algorithm>

#include <opencv2/imgproc.hpp>

#include "cancel.hpp"
#include "portrait/runtime/logging.hpp"
#include "portrait/runtime/model_locator.hpp"
#include "portrait/runtime/resolution.hpp"

namespace portrait::studio {

namespace {

class ProbeContext final : public Context {
public:
    ProbeContext(std::shared_ptr<spdlog::logger> log, std::filesystem::path temp, int threads, std::size_t memory,
                 std::vector<std::filesystem::path> model_dirs)
        : log_(std::move(log)), temp_(std::move(temp)), threads_(threads), memory_(memory),
          models_(std::move(model_dirs)) {}
    spdlog::logger& log() const override { return *log_; }
    const std::filesystem::path& temp_dir() const override { return temp_; }
    int threads() const override { return threads_; }
    std::size_t memory_limit() const override { return memory_; }
    std::filesystem::path find_model(const std::string& model, const std::string& file) const override {
        return models_.find(model, file);
    }
    bool cancelled() const override { return stop_requested(); }

private:
    std::shared_ptr<spdlog::logger> log_;
    std::filesystem::path temp_;
    int threads_;
    std::size_t memory_;
    ModelLocator models_;
};

bool provides_faces(const StageSpec& spec) {
    return std::find(spec.provides.begin(), spec.provides.end(), caps::kFaces) != spec.provides.end();
}

}  // namespace

struct FaceProbe::Impl {
    const ResolvedStage* stage = nullptr;
    std::unique_ptr<ProbeContext> ctx;
    void* handle = nullptr;
};

FaceProbe::FaceProbe(const Runner& runner, const std::filesystem::path& temp_dir, int threads)
    : runner_(runner), impl_(std::make_unique<Impl>()) {
    const auto& pipeline = runner.pipeline();
    for (const auto& st : pipeline.stages) {
        if (!provides_faces(st.entry->spec)) continue;
        impl_->stage = &st;
        break;
    }
    if (!impl_->stage) return;
    const auto& st = *impl_->stage;
    auto dir = temp_dir / ("overlay-" + st.id);
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    impl_->ctx = std::make_unique<ProbeContext>(named_logger("stage." + st.id), dir, threads,
                                                pipeline.config.resources.memory_limit, pipeline.config.model_paths);
    char err[2048] = {0};
    impl_->handle = st.entry->vtable.create(&st.params, impl_->ctx.get(), err, sizeof err);
    if (!impl_->handle) throw std::runtime_error("stage '" + st.id + "' could not start for the face overlay: " + err);
}

FaceProbe::~FaceProbe() {
    if (impl_->handle) impl_->stage->entry->vtable.destroy(impl_->handle);
}

FaceOverlay FaceProbe::find(const cv::Mat& image, const std::string& source) const {
    FaceOverlay out;
    if (!impl_->handle) {
        out.note = "This pipeline has no stage that finds faces.";
        return out;
    }
    // The same 8-bit BGR working image the runner hands its first stage.
    cv::Mat bgr = image;
    if (bgr.depth() == CV_16U) bgr.convertTo(bgr, CV_8U, 1.0 / 257.0);
    if (bgr.channels() == 1) cv::cvtColor(bgr, bgr, cv::COLOR_GRAY2BGR);
    if (bgr.channels() == 4) cv::cvtColor(bgr, bgr, cv::COLOR_BGRA2BGR);
    Frame frame;
    try {
        frame.scale = runner_.choose_scale(image.size(), image.channels(), int(image.elemSize1()));
    } catch (const std::exception& e) {
        out.note = e.what();
        return out;
    }
    frame.original_size = image.size();
    frame.source = source;
    const cv::Size wsize = scaled_size(image.size(), frame.scale);
    if (frame.scale < 1.0)
        cv::resize(bgr, frame.image, wsize, 0, 0, cv::INTER_AREA);
    else
        frame.image = bgr.clone();
    char err[2048] = {0};
    if (impl_->stage->entry->vtable.process(impl_->handle, &frame, impl_->ctx.get(), err, sizeof err) != 0) {
        out.note = std::string("the face stage failed: ") + err;
        return out;
    }
    // Working pixels -> full-resolution pixels.
    const float k = float(1.0 / frame.scale);
    for (Face f : frame.faces) {
        f.box = cv::Rect2f(f.box.x * k, f.box.y * k, f.box.width * k, f.box.height * k);
        for (auto& p : f.keypoints) p *= k;
        for (auto& p : f.landmarks) p *= k;
        for (auto& p : f.align5) p *= k;
        out.faces.push_back(f);
    }
    out.available = true;
    if (out.faces.empty()) out.note = "No face was found.";
    return out;
}

}  // namespace portrait::studio
