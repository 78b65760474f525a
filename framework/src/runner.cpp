#include "portrait/runtime/runner.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <sstream>

#include <opencv2/imgproc.hpp>
#include <spdlog/spdlog.h>

#include "portrait/runtime/device.hpp"
#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/logging.hpp"
#include "portrait/runtime/resolution.hpp"
#include "portrait/runtime/temp_dir.hpp"

namespace portrait {
namespace {

class HostContext final : public Context {
public:
    HostContext(std::shared_ptr<spdlog::logger> log, std::filesystem::path temp, int threads,
                std::size_t memory, const ModelLocator* models, std::string device, std::size_t device_memory)
        : log_(std::move(log)),
          temp_(std::move(temp)),
          threads_(threads),
          memory_(memory),
          models_(models),
          device_(std::move(device)),
          device_memory_(device_memory) {}
    spdlog::logger& log() const override { return *log_; }
    const std::filesystem::path& temp_dir() const override { return temp_; }
    int threads() const override { return threads_.load(); }
    void set_threads(int n) { threads_ = n; }
    std::size_t memory_limit() const override { return memory_; }
    std::filesystem::path find_model(const std::string& model, const std::string& file) const override {
        return models_->find(model, file);
    }
    // What a stage sees while it starts (a call's own token replaces it, CallContext).
    bool cancelled() const override { return cancel_requested().load(); }
    std::string device() const override { return device_; }
    std::size_t device_memory_limit() const override { return device_memory_; }

private:
    std::shared_ptr<spdlog::logger> log_;
    std::filesystem::path temp_;
    std::atomic<int> threads_;  // the per-image share once a batch has chosen its workers
    std::size_t memory_;
    const ModelLocator* models_;
    std::string device_;
    std::size_t device_memory_;
};

// A stage's context for one process() call: the instance's, with that call's cancel token
// (calls on several threads each have their own).
class CallContext final : public Context {
public:
    CallContext(const Context& host, const CancelToken& cancel) : host_(host), cancel_(cancel) {}
    spdlog::logger& log() const override { return host_.log(); }
    const std::filesystem::path& temp_dir() const override { return host_.temp_dir(); }
    int threads() const override { return host_.threads(); }
    std::size_t memory_limit() const override { return host_.memory_limit(); }
    std::filesystem::path find_model(const std::string& model, const std::string& file) const override {
        return host_.find_model(model, file);
    }
    bool cancelled() const override { return cancel_.cancelled(); }
    std::string device() const override { return host_.device(); }
    std::size_t device_memory_limit() const override { return host_.device_memory_limit(); }

private:
    const Context& host_;
    const CancelToken& cancel_;
};

// Thrown between stages once the run is cancelled: the image is reported cancelled, not failed.
struct Cancelled : std::exception {
    const char* what() const noexcept override { return "cancelled"; }
};

// Largest Frame::output_scale the host accepts (a guard against a stage's mistake).
constexpr int kMaxOutputScale = 8;

// A face's box and points, scaled by fx across and fy down.
void scale_face(Face& f, float fx, float fy) {
    f.box = cv::Rect2f(f.box.x * fx, f.box.y * fy, f.box.width * fx, f.box.height * fy);
    auto scale_points = [&](auto& points) {
        for (auto& p : points) p = cv::Point2f(p.x * fx, p.y * fy);
    };
    scale_points(f.keypoints);
    scale_points(f.landmarks);
    scale_points(f.align5);
}

// After a stage enlarged the image by k: faces, masks and the original size follow it.
void scale_frame_geometry(Frame& frame, int k) {
    for (Face& face : frame.faces) scale_face(face, float(k), float(k));
    for (auto& [name, mask] : frame.masks) {
        cv::Mat up;
        cv::resize(mask, up, mask.size() * k, 0, 0, cv::INTER_LINEAR);
        mask = up;
    }
    frame.original_size = frame.original_size * k;
}

// Faces a face stage (one that needs or provides "faces") saw or found; -1 for other stages.
int face_count(const StageSpec& spec, const Frame& frame) { return is_face_stage(spec) ? int(frame.faces.size()) : -1; }

std::string mib(std::size_t bytes) {
    std::ostringstream ss;
    ss << (bytes >> 20) << " MiB";
    return ss.str();
}

}  // namespace

struct Runner::Instance {
    const ResolvedStage* stage = nullptr;
    std::unique_ptr<HostContext> ctx;
    void* handle = nullptr;
    std::unique_ptr<std::mutex> serial;  // set when the stage is not concurrent
    // Frame::output_scale this stage set on its last image (1 until it has run): the
    // estimate plans the enlarged full-resolution result for the next images with it.
    mutable std::atomic<int> seen_scale{1};
};

int faces_found(const ImageReport& report) {
    int last = -1;
    for (const auto& s : report.stages)
        if (s.faces >= 0) last = s.faces;
    return last;
}

Runner::Runner(ResolvedPipeline pipeline, RunEnvironment env)
    : pipeline_(std::move(pipeline)), env_(std::move(env)), models_(pipeline_.config.model_paths) {
    const ResourcesConfig& res = pipeline_.config.resources;
    // Without a LibTorch stage the GPUs are only asked about when a CUDA device was named
    // (so that the setting is still refused where it cannot run): asking loads LibTorch.
    const bool torch_stages = std::any_of(pipeline_.stages.begin(), pipeline_.stages.end(), [](const auto& st) {
        return st.entry && st.entry->plugin && st.entry->plugin->torch;
    });
    const bool ask = torch_stages || res.device.rfind("cuda", 0) == 0 || !is_device_setting(res.device);
    const DeviceChoice device = ask ? resolve_device(res.device, torch_devices())
                                    : DeviceChoice{"cpu", "resources.device " + res.device + ": no LibTorch stage"};
    device_ = device.device;
    // Said once per run; at info only where there was a choice to make (a CUDA LibTorch).
    auto log = named_logger("runner");
    if (ask && torch_devices().cuda_built)
        log->info("LibTorch stages run on {} ({})", device_, device.reason);
    else
        log->debug("LibTorch stages run on {} ({})", device_, device.reason);
    // ~Runner does not run when this throws: a stage that cannot start must not leak the
    // ones started before it (and their models).
    try {
        for (const auto& st : pipeline_.stages) {
            auto inst = std::make_unique<Instance>();
            inst->stage = &st;
            auto stage_dir = env_.temp_dir / st.id;
            std::error_code ec;
            std::filesystem::create_directories(stage_dir, ec);
            inst->ctx = std::make_unique<HostContext>(named_logger("stage." + st.id), stage_dir, env_.threads,
                                                      res.memory_limit, &models_, device_,
                                                      device_.rfind("cuda", 0) == 0 ? res.device_memory_limit : 0);
            char err[2048] = {0};
            inst->handle = st.entry->vtable.create(&st.params, inst->ctx.get(), err, sizeof err);
            if (!inst->handle)
                throw std::runtime_error("stage '" + st.id + "' (plugin " + st.entry->plugin->name + ", " +
                                         st.entry->plugin->path.string() + ") could not start: " + err);
            if (!st.entry->spec.concurrent) inst->serial = std::make_unique<std::mutex>();
            instances_.push_back(std::move(inst));
        }
    } catch (...) {
        for (auto it = instances_.rbegin(); it != instances_.rend(); ++it)
            (*it)->stage->entry->vtable.destroy((*it)->handle);
        throw;
    }
}

void Runner::set_threads_per_image(int threads) const {
    for (const auto& inst : instances_) inst->ctx->set_threads(std::max(1, threads));
}

Runner::~Runner() {
    for (auto it = instances_.rbegin(); it != instances_.rend(); ++it)
        (*it)->stage->entry->vtable.destroy((*it)->handle);
}

std::size_t Runner::estimate_at(cv::Size full, double scale, int channels, int depth_bytes) const {
    const std::size_t px = std::size_t(full.width) * std::size_t(full.height);
    std::size_t k2 = 1;  // enlargement of the full-resolution result by the stages seen so far
    for (const auto& inst : instances_) k2 *= std::size_t(inst->seen_scale.load());
    // The decoded input, the result at its final size, and one 16-bit (8-bit input) or float
    // (16-bit input) copy of a change carried onto it, at that size when the change is
    // carried (a working size below the full one).
    const bool carry = scale < 1.0 || depth_bytes != 1;
    std::size_t bytes = px * channels * depth_bytes + px * k2 * channels * depth_bytes + (carry ? px * k2 : px) * 3 * 4;
    // An enlarging stage whose change is carried also holds the full image from before its
    // bicubic enlargement at that moment.
    cv::Size w = scaled_size(full, scale);
    std::size_t full_px = px;
    for (const auto& inst : instances_) {
        bytes += std::size_t(w.area()) * 3 * 3;  // working image, its copy before the stage, masks
        bytes += inst->stage->entry->vtable.memory_estimate(inst->handle, w.width, w.height);
        const int k = inst->seen_scale.load();
        if (k > 1) {
            if (carry) bytes += full_px * 3 * 4;  // the full image before its enlargement, as float at most
            w = w * k;
            full_px *= std::size_t(k) * std::size_t(k);
        }
    }
    return bytes;
}

WorkPlan Runner::plan(cv::Size full, int channels, int depth_bytes) const {
    WorkPlan p;
    p.full = full;
    p.channels = channels;
    p.depth_bytes = depth_bytes;
    p.scale = working_scale(full, pipeline_.config.resources.max_size);
    p.peak_bytes = estimate_at(full, p.scale, channels, depth_bytes);
    const std::size_t limit = pipeline_.config.resources.memory_limit;
    // Adapt: shrink the working size until the estimate fits (not below 256 px).
    while (limit > 0 && p.peak_bytes > limit) {
        if (std::max(full.width, full.height) * p.scale * 0.8 < 256)
            throw ImageError("needs about " + mib(p.peak_bytes) +
                             " even at the smallest working size, over resources.memory_limit " + mib(limit));
        p.scale *= 0.8;
        p.peak_bytes = estimate_at(full, p.scale, channels, depth_bytes);
    }
    return p;
}

cv::Mat Runner::process(const cv::Mat& image, const std::string& source, ImageReport& report,
                        const ProcessOptions& options) const {
    const CancelToken& cancel = options.cancel;
    report = ImageReport{};
    report.size = image.size();
    if (image.empty()) {
        report.error = "empty image";
        return {};
    }
    if (image.depth() != CV_8U && image.depth() != CV_16U) {
        report.error = "unsupported pixel depth (only 8- and 16-bit images)";
        return {};
    }
    const int channels = image.channels();
    if (channels != 1 && channels != 3 && channels != 4) {
        report.error = "unsupported channel count " + std::to_string(channels);
        return {};
    }
    try {
        // Colour part at full resolution (alpha is set aside and put back untouched).
        cv::Mat full, alpha;
        if (channels == 4) {
            cv::cvtColor(image, full, cv::COLOR_BGRA2BGR);
            cv::extractChannel(image, alpha, 3);
        } else if (channels == 1) {
            cv::cvtColor(image, full, cv::COLOR_GRAY2BGR);
        } else {
            full = image.clone();
        }
        cv::Mat full8 = full;
        if (full.depth() == CV_16U) full.convertTo(full8, CV_8UC3, 1.0 / 257.0);

        const double scale = options.plan && options.plan->fits(image)
                                 ? options.plan->scale
                                 : plan(image.size(), channels, int(image.elemSize1())).scale;
        Frame frame;
        frame.scale = scale;
        frame.original_size = image.size();
        frame.source = source;
        cv::Size wsize = scaled_size(image.size(), scale);  // grows when a stage enlarges the image
        if (scale < 1.0)
            cv::resize(full8, frame.image, wsize, 0, 0, cv::INTER_AREA);
        else
            frame.image = full8.clone();
        report.working_size = wsize;
        const bool carry = scale < 1.0 || full.depth() != CV_8U;

        // Tells the observer about the stage that just succeeded (report.stages' last entry).
        auto observe = [&](const ResolvedStage& st) {
            if (!options.on_stage) return;
            StageEvent ev{st, report.stages.back(), frame, {}};
            if (is_face_stage(st.entry->spec)) {
                // Working pixels are output pixels unless the change is carried to `full`.
                const float fx = carry ? float(full.cols) / float(wsize.width) : 1.f;
                const float fy = carry ? float(full.rows) / float(wsize.height) : 1.f;
                for (Face f : frame.faces) {
                    scale_face(f, fx, fy);
                    ev.faces.push_back(std::move(f));
                }
            }
            options.on_stage(ev);
        };
        for (const auto& inst : instances_) {
            if (cancel.cancelled()) throw Cancelled();
            const ResolvedStage& st = *inst->stage;
            CallContext ctx(*inst->ctx, cancel);
            cv::Mat before = frame.image.clone();
            frame.warp.release();
            frame.output_scale = 1;
            char err[2048] = {0};
            auto t0 = std::chrono::steady_clock::now();
            int rc;
            if (inst->serial) {
                std::lock_guard<std::mutex> lock(*inst->serial);
                rc = st.entry->vtable.process(inst->handle, &frame, &ctx, err, sizeof err);
            } else {
                rc = st.entry->vtable.process(inst->handle, &frame, &ctx, err, sizeof err);
            }
            double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
            if (rc != 0) {
                report.failed_stage = st.id;
                report.error = "stage '" + st.id + "' failed: " + err;
                report.stages.push_back({st.id, ms, false});
                return {};
            }
            const int k = frame.output_scale;
            if (k < 1 || k > kMaxOutputScale) {
                report.failed_stage = st.id;
                report.error = "stage '" + st.id + "' set output_scale " + std::to_string(k) + " (allowed 1.." +
                               std::to_string(kMaxOutputScale) + ")";
                return {};
            }
            if (frame.image.size() != wsize * k || frame.image.type() != CV_8UC3) {
                report.failed_stage = st.id;
                report.error = "stage '" + st.id + "' returned an image of another size or type";
                return {};
            }
            if (k > 1) {
                // An enlarging stage: bring the full-resolution image (and alpha) to the new
                // size, carry the stage's change relative to a bicubic enlargement of its input,
                // and rescale what earlier stages left in the frame. The first image it
                // enlarges teaches the estimate its factor; if the enlarged result would not fit
                // resources.memory_limit, the image fails here, before the allocation.
                if (inst->seen_scale.exchange(k) != k) {
                    const std::size_t limit = pipeline_.config.resources.memory_limit;
                    const std::size_t need = estimate_at(image.size(), scale, channels, int(image.elemSize1()));
                    if (limit > 0 && need > limit)
                        throw ImageError("stage '" + st.id + "' enlarges the image " + std::to_string(k) +
                                         "x: the " + std::to_string(full.cols * k) + "x" +
                                         std::to_string(full.rows * k) + " result needs about " + mib(need) +
                                         ", over resources.memory_limit " + mib(limit));
                }
                const cv::Size new_wsize = wsize * k;
                if (carry) {
                    cv::Mat before_up, full_up;
                    cv::resize(before, before_up, new_wsize, 0, 0, cv::INTER_CUBIC);
                    cv::resize(full, full_up, full.size() * k, 0, 0, cv::INTER_CUBIC);
                    full = full_up;
                    transfer_difference(full, before_up, frame.image);
                }
                if (!alpha.empty()) cv::resize(alpha, alpha, alpha.size() * k, 0, 0, cv::INTER_LINEAR);
                scale_frame_geometry(frame, k);
                wsize = new_wsize;
                report.stages.push_back({st.id, ms, true, face_count(st.entry->spec, frame)});
                observe(st);
                continue;
            }
            bool changed = cv::norm(before, frame.image, cv::NORM_INF) > 0;
            if (carry && changed) {
                if (!frame.warp.empty())
                    transfer_warp(full, frame.warp, wsize);
                else
                    transfer_difference(full, before, frame.image);
            }
            report.stages.push_back({st.id, ms, changed, face_count(st.entry->spec, frame)});
            observe(st);
        }
        // A stage may return early once cancelled; never hand such an image on as a result.
        if (cancel.cancelled()) throw Cancelled();
        report.stats = frame.stats;
        report.warnings = frame.warnings;
        if (!carry) full = frame.image;
        // Working pixels to output pixels (the full image, enlarged by any output_scale).
        const double fx = double(full.cols) / wsize.width, fy = double(full.rows) / wsize.height;
        for (const Face& f : frame.faces) {
            const cv::Rect box(cv::Point(int(std::lround(f.box.x * fx)), int(std::lround(f.box.y * fy))),
                               cv::Point(int(std::lround((f.box.x + f.box.width) * fx)),
                                         int(std::lround((f.box.y + f.box.height) * fy))));
            const cv::Rect clipped = box & cv::Rect(0, 0, full.cols, full.rows);
            if (!clipped.empty()) report.face_boxes.push_back(clipped);
        }

        cv::Mat out;
        if (channels == 1) {
            cv::cvtColor(full, out, cv::COLOR_BGR2GRAY);
        } else if (channels == 4) {
            std::vector<cv::Mat> planes;
            cv::split(full, planes);
            planes.push_back(alpha);
            cv::merge(planes, out);
        } else {
            out = full;
        }
        report.ok = true;
        return out;
    } catch (const cv::Exception& e) {
        report.error = std::string("image processing error: ") + e.what();
    } catch (const Cancelled&) {
        report.cancelled = true;
        report.error = "cancelled";
    } catch (const std::exception& e) {
        report.error = e.what();
        // A stage that gave up because the run was cancelled (tiling does) is cancelled too.
        report.cancelled = cancel.cancelled();
    }
    return {};
}

}  // namespace portrait
