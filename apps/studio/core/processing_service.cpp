#include "processing_service.hpp"

#include <chrono>

#include <spdlog/spdlog.h>

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
    // The last result (and the faces seen while it was made), so toggling the overlay does
    // not process again.
    std::string result_key;
    cv::Mat after;
    ImageReport report;
    double ms = 0;
    FaceOverlay faces;
};

namespace {

std::string file_key(const fs::path& file, fs::file_time_type mtime, std::uintmax_t size) {
    return file.string() + "|" + std::to_string(mtime.time_since_epoch().count()) + "|" + std::to_string(size);
}

}  // namespace

ProcessingService::ProcessingService(std::shared_ptr<SharedRegistry> registry, QObject* parent)
    : QObject(parent), registry_(std::move(registry)), temp_(std::make_unique<RunTempDir>()),
      cache_(std::make_unique<Cache>()) {
    qRegisterMetaType<PreviewResultPtr>();
    qRegisterMetaType<FolderResultPtr>();
}

ProcessingService::~ProcessingService() {
    pending_preview_.reset();
    pending_folder_.reset();
    if (worker_.joinable()) {
        job_cancel_.cancel();
        worker_.join();
    }
    cache_.reset();  // stage instances go before the registry that holds their plugins
}

std::uint64_t ProcessingService::preview(PreviewRequest request) {
    const std::uint64_t serial = next_serial_++;
    pending_preview_.emplace(std::move(request), serial);
    if (preview_running_) job_cancel_.cancel();  // superseded: its result would be stale
    start_next();
    return serial;
}

bool ProcessingService::apply_to_folder(FolderRequest request) {
    if (running_batch_ || pending_folder_) return false;
    pending_folder_ = std::move(request);
    if (preview_running_) job_cancel_.cancel();  // the batch goes first; the preview is shown again after
    start_next();
    return true;
}

void ProcessingService::cancel() {
    pending_preview_.reset();
    pending_folder_.reset();
    if (worker_.joinable()) job_cancel_.cancel();
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
        job_cancel_ = CancelToken();
        worker_ = std::thread([this, req = std::move(req), cancel = job_cancel_] { run_folder(req, cancel); });
    } else if (pending_preview_) {
        auto [req, serial] = std::move(*pending_preview_);
        pending_preview_.reset();
        preview_running_ = true;
        job_cancel_ = CancelToken();
        worker_ = std::thread(
            [this, req = std::move(req), serial = serial, cancel = job_cancel_] { run_preview(req, serial, cancel); });
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
    running_batch_ = false;
    preview_running_ = false;
}

Runner* ProcessingService::runner_for(const PipelineConfig& config, std::optional<ErrorInfo>& error) {
    Cache& c = *cache_;
    const std::string key = to_yaml(config);
    if (c.runner && key == c.runner_key) return c.runner.get();
    c.runner.reset();
    c.runner_key.clear();
    c.result_key.clear();
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

void ProcessingService::run_preview(const PreviewRequest& request, std::uint64_t serial, const CancelToken& cancel) {
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
    if (cancel.cancelled()) {
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

    // 3. The result (reused when only the overlay changed), and the faces the pipeline's
    // first face finder found on the way.
    const std::string rkey = c.runner_key + "\n" + file_key(c.file, c.mtime, c.size);
    if (rkey == c.result_key) {
        result->after = c.after;
        result->report = c.report;
        result->ms = c.ms;
        result->faces = c.faces;
    } else {
        apply_thread_count(threads);
        ProcessOptions run;
        run.cancel = cancel;
        FaceOverlay& faces = result->faces;
        faces.note = "This pipeline has no stage that finds faces.";
        run.on_stage = [&faces](const StageEvent& ev) {
            if (faces.available || !finds_faces(ev.stage.entry->spec)) return;
            faces.available = true;
            faces.faces = ev.faces;
            faces.note = ev.faces.empty() ? "No face was found." : "";
        };
        const auto t0 = std::chrono::steady_clock::now();
        cv::Mat after = runner->process(c.pixels, request.file.string(), result->report, run);
        result->ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        // A stage may return early once cancelled (as the SDK asks); its image is then cut short.
        if (!result->report.ok || cancel.cancelled()) {
            if (cancel.cancelled()) {
                result->cancelled = true;
                host_logger().info("studio: {} cancelled", request.file.string());
            } else {
                result->error = process_error(request.file, result->report.failed_stage, result->report.error);
                if (!faces.available) faces.note = "The pipeline failed before it found faces.";
            }
            finish();
            return;
        }
        result->after = after;
        c.after = after;
        c.report = result->report;
        c.ms = result->ms;
        c.faces = result->faces;
        c.result_key = rkey;
    }
    finish();
}

void ProcessingService::run_folder(const FolderRequest& request, const CancelToken& cancel) {
    auto result = std::make_shared<FolderResult>();
    result->request = request;
    try {
        BatchOptions o;
        o.inputs = {request.input.string()};
        o.output_dir = request.output;
        o.format = request.format;
        o.write.jpeg_quality = o.write.webp_quality = request.quality;
        o.progress = ProgressMode::Never;
        o.threads = resolve_thread_count(request.config.resources.threads);
        o.cancel = cancel;
        BatchInputs inputs = list_batch_inputs(o);
        const int total = int(inputs.inputs.size());
        QMetaObject::invokeMethod(this, [this, total] { Q_EMIT batchStarted(total); }, Qt::QueuedConnection);
        Runner* runner = runner_for(request.config, result->error);
        if (runner) {
            BatchObserver watch;
            watch.item_done = [this](const BatchItem&, int done, int total) {
                QMetaObject::invokeMethod(this, [this, done, total] { Q_EMIT batchProgress(done, total); },
                                          Qt::QueuedConnection);
            };
            result->summary = run_batch(*runner, o, std::move(inputs), watch);
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
