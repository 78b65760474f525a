// Testing one stage without the rest of the host, as MediaPipe's CalculatorRunner and
// GStreamer's GstHarness do: load the plugin file as portrait would (scan child, ABI and
// spec checks), create the stage from a YAML snippet of its parameters (checked as a
// pipeline's are), feed it an image or a frame, and read back the frame and what the
// stage logged. The Context it gets is a test one: a private temp folder, the model
// folders you name, a log you can read, a cancel switch.
//
//   portrait::testing::StageHarness h(plugin_file, "vignette", "{strength: 0.8}");
//   portrait::Frame f = h.process(cv::imread("photo.jpg"));
//   EXPECT_LT(f.image.at<cv::Vec3b>(0, 0)[0], 100);
//   EXPECT_NE(h.log().find("vignette"), std::string::npos);
//
// Link portrait::runtime (find_package(portrait)); docs/writing-a-plugin.md shows a test.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "portrait/context.hpp"
#include "portrait/frame.hpp"
#include "portrait/params.hpp"
#include "portrait/stage.hpp"

namespace portrait::testing {

struct HarnessOptions {
    // Searched first by Context::find_model (then $PORTRAIT_MODELS and the cache, as in
    // a run); each file is checked against its .sha256 sidecar as in a run.
    std::vector<std::filesystem::path> model_dirs;
    int threads = 1;               // Context::threads(), and the LibTorch/OpenCV pools
    std::size_t memory_limit = 0;  // Context::memory_limit() (0 = none)
    std::string device = "cpu";    // Context::device()
};

class StageHarness {
public:
    // Throws std::runtime_error naming what failed: the plugin file refused (with the
    // host's reason), no such stage in it, a parameter ("<stage> params:LINE:COLUMN: ..."
    // as validation words it), or the stage's own message when it cannot start.
    StageHarness(const std::filesystem::path& plugin_file, const std::string& stage,
                 const std::string& params_yaml = "{}", HarnessOptions options = {});
    ~StageHarness();
    StageHarness(const StageHarness&) = delete;
    StageHarness& operator=(const StageHarness&) = delete;

    // A fresh frame holding a copy of `image` (8-bit BGR, as stages get it), processed.
    Frame process(const cv::Mat& image);
    // Processes `frame` as it is (faces, masks or a warp from an earlier stage...).
    // Throws std::runtime_error with the stage's message when it fails.
    void process(Frame& frame);

    const StageSpec& spec() const;
    const Params& params() const;  // every declared parameter, defaults filled in
    Context& context();
    std::size_t memory_estimate(int width, int height) const;

    // What the stage logged so far (debug level and up), one "[level] message" a line.
    std::string log() const;
    void clear_log();
    // From now on Context::cancelled() says true.
    void cancel();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace portrait::testing
