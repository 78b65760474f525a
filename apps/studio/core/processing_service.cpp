#include "processing_service.hpp"

#include <chrono>
#include <fstream>

#include <spdlog/spdlog.h>

#include "cancel.hpp"
#include "portrait/runtime/batch_manifest.hpp"
#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/image_io.hpp"
#include "portrait/runtime/logging.hpp"
#include "portrait/runtime/pipeline.hpp"
#include "portrait/runtime/resources.hpp"

namespace portrait::studio {
namespace fs = std::filesystem;

struct ProcessingService::Cache {
    // The decoded input, kept while only the settings change.
    fs::path file;
    fs::file_time_type mtime{};
    std::uintmax_t size = 0;
    cv::Mat pixels;
    ImageMetadata metadata;
    // The runner for the current pipeline (creating one loads every stage's models).
    std::string runner_key;
    std::unique_ptr<Runner> runner;
    std::unique_ptr<FaceProbe> probe;
    std::string probe_error;
    // The last result, so toggling the overlay does not process again.
    std::string result_key;
    cv::Mat after;
    ImageReport report;
    double ms = 0;
    std::string faces_key;
    FaceOverlay faces;
};

namespace {

std::string file_key(const fs::path& file, fs::file_time_type mtime, std::uintmax_t size) {
    return file.string() + "|" + std::to_string(mtime.time_since_epoch().count()) + "|" + std::to_string(size);
}

// Counts the non-empty lines (manifest entries; the writer puts blank lines between them
// so a torn line ends cleanly) from `offset` on, moving `offset` to the end. `last` is
// the last byte read so far, so a line split between two reads counts once.
std::size_t count_new_entries(const fs::path& file, std::uintmax_t& offset, char& last) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return 0;
    in.seekg(std::streamoff(offset));
    std::size_t lines = 0;
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        const auto n = in.gcount();
        for (std::streamsize i = 0; i < n; ++i) {
            if (buf[i] == '\n' && last != '\n') ++lines;
            last = buf[i];
        }
        offset += std::uintmax_t(n);
    }
    return lines;
}

}  // namespace

ProcessingService::ProcessingService(std::shared_ptr<SharedRegistry> registry, QObject* parent)
    : QObject(parent), registry_(std::move(registry)), temp_(std::make_unique<RunTempDir>()),
      cache_(std::make_unique<Cache>()) {
    qRegisterMetaType<PreviewResultPtr>();
    qRegisterMetaType<FolderResultPtr>();
    progress_timer_.setInterval(200);
    connect(&progress_timer_, &QTimer::timeout, this, &ProcessingService::poll_batch);
}

ProcessingService::~ProcessingService() {
    pending_preview_.reset();
    pending_folder_.reset();
    if (worker_.joinable()) {
        request_stop();
        worker_.join();
        clear_stop();
    }
    cache_.reset();  // stage instances go before the registry that holds their plugins
}

std::uint64_t ProcessingService::preview(PreviewRequest request) {
    const std::uint64_t serial = next_serial_++;
    pending_preview_.emplace(std::move(request), serial);
    if (preview_running_) request_stop();  // superseded: its result would be stale
    start_next();
    return serial;
}

bool ProcessingService::apply_to_folder(FolderRequest request) {
    if (running_batch_ || pending_folder_) return false;
    pending_folder_ = std::move(request);
    if (preview_running_) request_stop();  // the batch goes first; the preview is shown again after
    start_next();
    return true;
}

void ProcessingService::cancel() {
    pending_preview_.reset();
    pending_folder_.reset();
    if (worker_.joinable()) request_stop();
}

void ProcessingService::wait_idle() {
    while (busy() || pending_preview_ || pending_folder_) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

void ProcessingService::start_next() {
    if (worker_.joinable()) return;
    const bool was_idle = !busy_reported_;
    if (pending_folder_) {
        FolderRequest req = std::move(*pending_folder_);
        pending_folder_.reset();
        running_batch_ = true;
        manifest_file_ = manifest_dir(req.output) / "manifest.jsonl";
        manifest_offset_ = 0;
        std::error_code ec;
        manifest_offset_ = fs::exists(manifest_file_, ec) ? fs::file_size(manifest_file_, ec) : 0;
        if (ec) manifest_offset_ = 0;
        manifest_done_ = 0;
        manifest_last_ = '\n';
        batch_total_ = 0;
        progress_timer_.start();
        worker_ = std::thread([this, req = std::move(req)] { run_folder(req); });
    } else if (pending_preview_) {
        auto [req, serial] = std::move(*pending_preview_);
        pending_preview_.reset();
        preview_running_ = true;
        worker_ = std::thread([this, req = std::move(req), serial = serial] { run_preview(req, serial); });
    } else {
        if (busy_reported_) {
            busy_reported_ = false;
            Q_EMIT busyChanged(false);
        }
        return;
    }
    if (was_idle) {
        busy_reported_ = true;
        Q_EMIT busyChanged(true);
    }
}

void ProcessingService::job_finished() {
    // Runs on the owner's thread, posted by the job as its last act.
    if (worker_.joinable()) worker_.join();
    clear_stop();  // no job runs now: a stop that was asked for has been honoured
    if (running_batch_) {
        progress_timer_.stop();
        poll_batch();
    }
    running_batch_ = false;
    preview_running_ = false;
}

void ProcessingService::poll_batch() {
    if (manifest_file_.empty()) return;
    manifest_done_ += int(count_new_entries(manifest_file_, manifest_offset_, manifest_last_));
    const int total = batch_total_.load();
    if (total > 0) Q_EMIT batchProgress(std::min(manifest_done_, total), total);
}

Runner* ProcessingService::runner_for(const PipelineConfig& config, std::optional<ErrorInfo>& error) {
    Cache& c = *cache_;
    const std::string key = to_yaml(config);
    if (c.runner && key == c.runner_key) return c.runner.get();
    c.probe.reset();
    c.probe_error.clear();
    c.runner.reset();
    c.runner_key.clear();
    c.result_key.clear();
    c.faces_key.clear();
    ResolvedPipeline resolved;
    try {
        registry_->load_pipeline_folders(config);
        resolved = registry_->read([&](const PluginRegistry& r) { return validate_pipeline(config, r); });
    } catch (const std::exception& e) {
        error = pipeline_error(config.file, e.what());
        return nullptr;
    }
    const int threads = resolve_thread_count(config.resources.threads);
    try {
        c.runner = std::make_unique<Runner>(std::move(resolved), RunEnvironment{temp_->path(), threads});
    } catch (const std::exception& e) {
        error = stage_start_error(e.what());
        return nullptr;
    }
    c.runner_key = key;
    return c.runner.get();
}

void ProcessingService::run_preview(const PreviewRequest& request, std::uint64_t serial) {
    Cache& c = *cache_;
    auto result = std::make_shared<PreviewResult>();
    result->serial = serial;
    result->file = request.file;
    result->faces_requested = request.want_faces;
    auto finish = [&] {
        if (result->error) host_logger().error("studio: {}", result->error->text());
        PreviewResultPtr done = result;
        QMetaObject::invokeMethod(
            this,
            [this, done] {
                job_finished();
                Q_EMIT previewDone(done);
                start_next();
            },
            Qt::QueuedConnection);
    };

    // 1. The input, decoded once per file version.
    std::error_code ec;
    const auto mtime = fs::last_write_time(request.file, ec);
    const auto size = ec ? 0 : fs::file_size(request.file, ec);
    if (c.pixels.empty() || c.file != request.file || c.mtime != mtime || c.size != size || ec) {
        c.pixels.release();
        c.metadata = {};
        c.result_key.clear();
        c.faces_key.clear();
        try {
            const std::vector<unsigned char> bytes = read_file_bytes(request.file);
            const ImageHeader header = probe_image(bytes, request.file.string());
            if (header.pixels() > kMaxImagePixels)
                throw ImageError(request.file.string() + ": " + std::to_string(header.width) + "x" +
                                 std::to_string(header.height) + " is larger than the largest image accepted");
            DecodedImage decoded = decode_image(bytes, header, request.file.string());
            c.pixels = decoded.pixels;
            c.metadata = decoded.metadata;
            c.file = request.file;
            c.mtime = mtime;
            c.size = size;
        } catch (const std::exception& e) {
            result->error = read_error(request.file, e.what());
            finish();
            return;
        }
    }
    result->before = c.pixels;
    result->metadata = c.metadata;
    {
        PreviewResultPtr loaded = std::make_shared<PreviewResult>(*result);
        QMetaObject::invokeMethod(this, [this, loaded] { Q_EMIT imageLoaded(loaded); }, Qt::QueuedConnection);
    }
    if (stop_requested()) {
        result->cancelled = true;
        finish();
        return;
    }

    // 2. The runner for this pipeline.
    Runner* runner = runner_for(request.config, result->error);
    if (!runner) {
        finish();
        return;
    }
    for (const auto& st : runner->pipeline().stages) result->stages.push_back(st.id);
    result->pipeline_yaml = c.runner_key;
    const int threads = resolve_thread_count(request.config.resources.threads);

    // 3. The result (reused when only the overlay changed).
    const std::string rkey = c.runner_key + "\n" + file_key(c.file, c.mtime, c.size);
    if (rkey == c.result_key) {
        result->after = c.after;
        result->report = c.report;
        result->ms = c.ms;
    } else {
        apply_thread_count(threads);
        const auto t0 = std::chrono::steady_clock::now();
        cv::Mat after = runner->process(c.pixels, request.file.string(), result->report);
        result->ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        // A stage may return early once cancelled (as the SDK asks); its image is then cut short.
        if (!result->report.ok || stop_requested()) {
            if (stop_requested()) {
                result->cancelled = true;
                host_logger().info("studio: {} cancelled", request.file.string());
            } else {
                result->error = process_error(request.file, result->report.failed_stage, result->report.error);
            }
            finish();
            return;
        }
        result->after = after;
        c.after = after;
        c.report = result->report;
        c.ms = result->ms;
        c.result_key = rkey;
    }

    // 4. Faces for the overlay, from the pipeline's own face stage.
    if (request.want_faces && !stop_requested()) {
        if (c.faces_key == rkey) {
            result->faces = c.faces;
        } else {
            if (!c.probe && c.probe_error.empty()) {
                try {
                    c.probe = std::make_unique<FaceProbe>(*runner, temp_->path(), threads);
                } catch (const std::exception& e) {
                    c.probe_error = e.what();
                }
            }
            if (c.probe) {
                result->faces = c.probe->find(c.pixels, request.file.string());
            } else {
                result->faces.note = c.probe_error;
            }
            if (!stop_requested()) {
                c.faces = result->faces;
                c.faces_key = rkey;
            }
        }
    }
    finish();
}

void ProcessingService::run_folder(const FolderRequest& request) {
    auto result = std::make_shared<FolderResult>();
    result->request = request;
    try {
        const auto inputs = collect_inputs({request.input.string()}, {}, nullptr, request.output);
        const int total = int(inputs.size());
        batch_total_ = total;
        QMetaObject::invokeMethod(this, [this, total] { Q_EMIT batchStarted(total); }, Qt::QueuedConnection);
        Runner* runner = runner_for(request.config, result->error);
        if (runner) {
            BatchOptions o;
            o.inputs = {request.input.string()};
            o.output_dir = request.output;
            o.format = request.format;
            o.write.jpeg_quality = o.write.webp_quality = request.quality;
            o.progress = ProgressMode::Never;
            o.threads = resolve_thread_count(request.config.resources.threads);
            result->summary = run_batch(*runner, o);
            result->cancelled = result->summary.interrupted;
            host_logger().info("studio: {} -> {}: {} written, {} failed, {} cancelled", request.input.string(),
                               request.output.string(), result->summary.ok, result->summary.failed,
                               result->summary.cancelled);
        }
    } catch (const std::exception& e) {
        result->error = batch_error(request.input, e.what());
    }
    if (result->error) host_logger().error("studio: {}", result->error->text());
    FolderResultPtr done = result;
    QMetaObject::invokeMethod(
        this,
        [this, done] {
            job_finished();
            Q_EMIT batchDone(done);
            start_next();
        },
        Qt::QueuedConnection);
}

}  // namespace portrait::studio
