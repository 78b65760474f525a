// Runs a validated pipeline on images: creates each stage once, brings every
// image to working resolution, calls the stages in order, carries their changes
// back to full resolution, and turns a stage's failure into a failed image. A caller
// watches one image through ProcessOptions::on_stage and stops it with its CancelToken.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "portrait/runtime/cancel.hpp"
#include "portrait/runtime/model_locator.hpp"
#include "portrait/runtime/pipeline.hpp"

namespace portrait {

struct RunEnvironment {
    std::filesystem::path temp_dir;  // per-run folder (RunTempDir)
    int threads = 1;                 // resolved count handed to stages
};

struct StageReport {
    std::string id;
    double ms = 0;
    bool changed = false;  // did the stage change any pixel
    int faces = -1;        // faces in the frame after a stage that needs or provides "faces"; -1 otherwise
};

struct ImageReport {
    bool ok = false;
    bool cancelled = false;    // not ok because the run was cancelled (error says "cancelled")
    std::string error;         // why the image failed
    std::string failed_stage;  // stage id, when a stage failed
    std::vector<StageReport> stages;
    std::map<std::string, double> stats;  // what stages reported, "<stage>.<name>" (e.g. "face_mesh.faces")
    std::vector<std::string> warnings;     // Frame::warnings, in the order stages added them
    std::vector<cv::Rect> face_boxes;      // the frame's faces at the end, in output-image pixels
    cv::Size size, working_size;
};

// Faces in the image after its last face stage (pipeline.hpp, is_face_stage); -1 when no
// face stage ran.
int faces_found(const ImageReport& report);

// What the runner decides about an image before running it (Runner::plan): the working
// scale, and the peak memory the image needs at it. Made once per image: a batch admits
// the image with peak_bytes (from its header) and hands the plan to process().
struct WorkPlan {
    double scale = 1;
    std::size_t peak_bytes = 0;
    // What it was made for. It holds for an image of that size, turned or not (a turn by the
    // EXIF orientation changes neither scale nor estimate), channels and depth.
    cv::Size full;
    int channels = 3, depth_bytes = 1;
    bool fits(const cv::Mat& image) const {
        const cv::Size s = image.size();
        return (s == full || s == cv::Size(full.height, full.width)) && image.channels() == channels &&
               int(image.elemSize1()) == depth_bytes;
    }
};

// One stage of one image, done: what an observer sees, on the thread processing the image.
struct StageEvent {
    const ResolvedStage& stage;
    const StageReport& report;
    const Frame& frame;       // after the stage, in working pixels
    std::vector<Face> faces;  // a face stage's frame.faces in the pixels of the image process()
                              // returns (full resolution, enlarged by the stages so far); empty otherwise
};

struct ProcessOptions {
    // Stops this call between stages, and its stages through Context::cancelled(). By
    // default Ctrl-C does (CancelToken::following_signals).
    CancelToken cancel = CancelToken::following_signals();
    // Called after each stage that succeeded, in pipeline order.
    std::function<void(const StageEvent&)> on_stage;
    // Runner::plan of this image, when the caller made it already; empty, or made for other
    // pixels (WorkPlan::fits): process() makes it.
    std::optional<WorkPlan> plan;
};

class Runner {
public:
    // Resolves resources.device (UsageError when it cannot run here), then creates every
    // stage instance. Throws std::runtime_error naming the stage when one cannot start
    // (e.g. its model is missing): no image is touched then.
    Runner(ResolvedPipeline pipeline, RunEnvironment env);
    ~Runner();
    Runner(const Runner&) = delete;
    Runner& operator=(const Runner&) = delete;

    // Processes a decoded image (8- or 16-bit; 1, 3 or 4 channels) and returns one of the
    // same type (alpha kept) and size, times the factor of any stage that set
    // Frame::output_scale (e.g. gpen with scale 2). Never throws for a bad image or a failing stage:
    // returns an empty Mat and fills report.error (report.cancelled once options.cancel
    // stopped it). May run on several threads at once, each call with its own options.
    cv::Mat process(const cv::Mat& image, const std::string& source, ImageReport& report,
                    const ProcessOptions& options = {}) const;

    // The working scale for an image of this size (max_size, reduced further to fit
    // resources.memory_limit) and the peak bytes it needs there. Throws ImageError if the
    // image cannot fit even at the smallest working size.
    WorkPlan plan(cv::Size full, int channels = 3, int depth_bytes = 1) const;
    std::size_t estimate_peak_bytes(cv::Size full, int channels = 3, int depth_bytes = 1) const {
        return plan(full, channels, depth_bytes).peak_bytes;
    }
    double choose_scale(cv::Size full, int channels = 3, int depth_bytes = 1) const {
        return plan(full, channels, depth_bytes).scale;
    }

    const ResolvedPipeline& pipeline() const { return pipeline_; }
    // Where the LibTorch stages run ("cpu", "cuda:N"): resources.device resolved at start.
    const std::string& device() const { return device_; }
    // Where the stages' models were found, and which files they were (ModelLocator::found).
    const ModelLocator& models() const { return models_; }

    // What Context::threads() tells the stages from now on: a batch with W images in flight
    // gives each image its share of resources.threads. Call before processing starts.
    void set_threads_per_image(int threads) const;  // like the global pools: run configuration, not pipeline state

private:
    struct Instance;
    std::size_t estimate_at(cv::Size full, double scale, int channels, int depth_bytes) const;
    ResolvedPipeline pipeline_;
    RunEnvironment env_;
    ModelLocator models_;
    std::string device_;
    std::vector<std::unique_ptr<Instance>> instances_;
};

}  // namespace portrait
