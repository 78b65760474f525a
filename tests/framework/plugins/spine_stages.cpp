// Small stages for the spine tests, built as a real plugin into a test-only folder:
//   spine_rect        paints a rectangle (working-resolution fractions) with a grey value
//   spine_warp        moves the pixels of a rectangle sideways through Frame::warp
//   spine_throw       fails images whose top-left blue value equals `when_blue`
//   spine_sleep       writes "sleeping" into its temp folder, then waits `ms`
//   spine_types       one parameter of every type, for the validation tests
//   spine_provide     provides "spine_cap"
//   spine_need        needs "spine_cap"
//   spine_needs_model cannot start: its model is never there (param model: another one)
#include <portrait/sdk.hpp>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include <opencv2/imgproc.hpp>

namespace {

// The rectangle (x0, y0, x1, y1 as fractions of the working size) in working pixels.
cv::Rect rect_of(const portrait::Params& p, cv::Size s) {
    const int x0 = int(p.get_float("x0") * s.width), y0 = int(p.get_float("y0") * s.height);
    const int x1 = int(p.get_float("x1") * s.width), y1 = int(p.get_float("y1") * s.height);
    return cv::Rect(x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)) & cv::Rect(0, 0, s.width, s.height);
}

class RectStage final : public portrait::Stage {
public:
    RectStage(const portrait::Params& p, portrait::Context&) : p_(p) {}
    void process(portrait::Frame& frame, portrait::Context&) override {
        const int v = int(p_.get_int("value"));
        frame.image(rect_of(p_, frame.image.size())).setTo(cv::Scalar(v, v, v));
    }

private:
    portrait::Params p_;
};

class WarpStage final : public portrait::Stage {
public:
    WarpStage(const portrait::Params& p, portrait::Context&) : p_(p) {}
    void process(portrait::Frame& frame, portrait::Context&) override {
        const cv::Size s = frame.image.size();
        const cv::Rect r = rect_of(p_, s);
        const float shift = float(p_.get_float("shift"));
        cv::Mat map(s, CV_32FC2);
        for (int y = 0; y < s.height; ++y)
            for (int x = 0; x < s.width; ++x)
                map.at<cv::Vec2f>(y, x) = cv::Vec2f(float(x) + (r.contains({x, y}) ? shift : 0.f), float(y));
        cv::Mat out;
        cv::remap(frame.image, out, map, cv::noArray(), cv::INTER_LINEAR, cv::BORDER_REPLICATE);
        frame.image = out;
        frame.warp = map;
    }

private:
    portrait::Params p_;
};

class ThrowStage final : public portrait::Stage {
public:
    ThrowStage(const portrait::Params& p, portrait::Context&) : when_(p.get_int("when_blue")) {}
    void process(portrait::Frame& frame, portrait::Context&) override {
        if (frame.image.at<cv::Vec3b>(0, 0)[0] == when_)
            throw std::runtime_error("spine_throw: blue " + std::to_string(when_) + " is refused");
    }

private:
    std::int64_t when_;
};

class SleepStage final : public portrait::Stage {
public:
    SleepStage(const portrait::Params& p, portrait::Context&) : ms_(p.get_int("ms")) {}
    void process(portrait::Frame&, portrait::Context& ctx) override {
        std::ofstream(ctx.temp_dir() / "sleeping") << "mid-way\n";  // the test waits for this
        ctx.log().info("sleeping {} ms", ms_);
        const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms_);
        while (std::chrono::steady_clock::now() < end && !ctx.cancelled())
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }

private:
    std::int64_t ms_;
};

class NoopStage final : public portrait::Stage {
public:
    NoopStage(const portrait::Params&, portrait::Context&) {}
    void process(portrait::Frame&, portrait::Context&) override {}
};

// Writes what the host told it about the device to <its temp folder>/device, for the tests.
class DeviceStage final : public portrait::Stage {
public:
    DeviceStage(const portrait::Params&, portrait::Context& ctx) {
        std::ofstream(ctx.temp_dir() / "device") << ctx.device() << " " << ctx.device_memory_limit() << "\n";
    }
    void process(portrait::Frame&, portrait::Context&) override {}
};

class NeedsModelStage final : public portrait::Stage {
public:
    NeedsModelStage(const portrait::Params& p, portrait::Context& ctx) {
        ctx.find_model(p.get_string("model"), "model.pt");  // the default throws: never fetched
    }
    void process(portrait::Frame&, portrait::Context&) override {}
};

std::vector<portrait::ParamSpec> rect_params(double x0, double y0, double x1, double y1) {
    return {portrait::float_param("x0", x0, 0, 1, "left edge, fraction of the width"),
            portrait::float_param("y0", y0, 0, 1, "top edge, fraction of the height"),
            portrait::float_param("x1", x1, 0, 1, "right edge, fraction of the width"),
            portrait::float_param("y1", y1, 0, 1, "bottom edge, fraction of the height")};
}

}  // namespace

PORTRAIT_PLUGIN("spine_stages", "1.0.0", "MIT", "Stages for the spine tests") {
    portrait::StageSpec rect;
    rect.name = "spine_rect";
    rect.description = "Paints a grey rectangle";
    rect.params = rect_params(0.25, 0.25, 0.5, 0.5);
    rect.params.push_back(portrait::int_param("value", 200, 0, 255, "grey value"));
    registrar.add<RectStage>(rect);

    portrait::StageSpec warp;
    warp.name = "spine_warp";
    warp.description = "Moves a rectangle's pixels sideways (sets Frame::warp)";
    warp.params = rect_params(0.25, 0.25, 0.5, 0.5);
    warp.params.push_back(portrait::float_param("shift", 3, -50, 50, "working pixels"));
    registrar.add<WarpStage>(warp);

    portrait::StageSpec thr;
    thr.name = "spine_throw";
    thr.description = "Fails images whose top-left blue value is `when_blue`";
    thr.params = {portrait::int_param("when_blue", -1, -1, 255, "-1 never fails")};
    registrar.add<ThrowStage>(thr);

    portrait::StageSpec sleep;
    sleep.name = "spine_sleep";
    sleep.description = "Waits, changes nothing";
    sleep.params = {portrait::int_param("ms", 100, 0, 600000, "milliseconds to wait")};
    sleep.concurrent = false;
    registrar.add<SleepStage>(sleep);

    portrait::StageSpec device;
    device.name = "spine_device";
    device.description = "Records Context::device() and device_memory_limit() in its temp folder";
    registrar.add<DeviceStage>(device);

    portrait::StageSpec types;
    types.name = "spine_types";
    types.description = "One parameter of every type";
    types.params = {portrait::float_param("strength", 0.5, 0, 1, "a float"),
                    portrait::int_param("radius", 3, 1, 10, "an int"),
                    portrait::bool_param("smooth", true, "a bool"),
                    portrait::string_param("label", "x", "a string"),
                    portrait::choice_param("mode", "fast", {"fast", "quality", "auto"}, "a choice")};
    registrar.add<NoopStage>(types);

    portrait::StageSpec provide;
    provide.name = "spine_provide";
    provide.description = "Provides spine_cap";
    provide.provides = {"spine_cap"};
    registrar.add<NoopStage>(provide);

    portrait::StageSpec need;
    need.name = "spine_need";
    need.description = "Needs spine_cap";
    need.needs = {"spine_cap"};
    registrar.add<NoopStage>(need);

    portrait::StageSpec model;
    model.name = "spine_needs_model";
    model.description = "Cannot start: its model is missing (unless `model` names one that is there)";
    model.params = {portrait::string_param("model", "spine-test-missing-model", "model folder name")};
    registrar.add<NeedsModelStage>(model);
}
