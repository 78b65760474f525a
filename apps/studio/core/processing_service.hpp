// The work behind the window, off the UI thread: one job at a time on a worker
// thread (decode + process one photo, or the batch runner over a folder), results
// posted back to the owner's thread as signals. A newer preview replaces a pending one
// and cancels a running one, so moving a slider never queues up stale work.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <QCoreApplication>
#include <QObject>
#include <opencv2/core.hpp>

#include "error_text.hpp"
#include "portrait/runtime/batch.hpp"
#include "portrait/runtime/metadata.hpp"
#include "portrait/runtime/pipeline_config.hpp"
#include "portrait/runtime/temp_dir.hpp"
#include "shared_registry.hpp"

namespace portrait::studio {

// The face overlay's data: what the pipeline's first face finder found while the preview
// ran (the runner's on_stage observer), in the input's pixels.
struct FaceOverlay {
    bool available = false;   // the pipeline has a face finder and it ran
    std::string note;         // why not, in plain words
    std::vector<Face> faces;  // full-resolution pixels of the input
};

struct PreviewRequest {
    std::filesystem::path file;
    PipelineConfig config;  // what runs (runnable_config of the window's choices)
    bool want_faces = false;
};

struct PreviewResult {
    std::uint64_t serial = 0;  // of the request
    std::filesystem::path file;
    cv::Mat before;            // decoded input, orientation applied; empty if unreadable
    ImageMetadata metadata;    // carried into a saved result
    cv::Mat after;             // empty unless processing succeeded
    ImageReport report;
    std::vector<std::string> stages;  // ids of the stages that ran, in order
    std::string pipeline_yaml;        // to_yaml of the pipeline that ran
    bool faces_requested = false;
    FaceOverlay faces;
    bool cancelled = false;
    std::optional<ErrorInfo> error;
    double ms = 0;  // processing time (decode excluded)
    bool ok() const { return !after.empty() && !error && !cancelled; }
};
using PreviewResultPtr = std::shared_ptr<const PreviewResult>;

struct FolderRequest {
    std::filesystem::path input;   // a folder (recursive, as `portrait run`)
    std::filesystem::path output;  // mirrors the input tree; inputs are never replaced
    PipelineConfig config;
    std::string format;            // "" = same as each input
    int quality = 95;
};

struct FolderResult {
    FolderRequest request;
    BatchSummary summary;
    std::optional<ErrorInfo> error;  // the batch did not run at all
    bool cancelled = false;
};
using FolderResultPtr = std::shared_ptr<const FolderResult>;

class ProcessingService : public QObject {
    Q_OBJECT
public:
    explicit ProcessingService(std::shared_ptr<SharedRegistry> registry, QObject* parent = nullptr);
    ~ProcessingService() override;  // cancels and waits for the running job

    // Returns the request's serial. Replaces a pending preview; cancels a running one.
    std::uint64_t preview(PreviewRequest request);
    // False (nothing started) while another batch is running or pending.
    bool apply_to_folder(FolderRequest request);
    // Stops the running job and drops pending ones.
    void cancel();
    bool busy() const { return worker_.joinable(); }
    bool batch_running() const { return running_batch_; }
    // Blocks until no job runs (tests; never called by the window).
    void wait_idle();

Q_SIGNALS:
    void busyChanged(bool busy);
    void imageLoaded(portrait::studio::PreviewResultPtr result);  // before only; after follows
    void previewDone(portrait::studio::PreviewResultPtr result);  // ok, failed or cancelled
    void batchStarted(int total);
    void batchProgress(int done, int total);
    void batchDone(portrait::studio::FolderResultPtr result);

private:
    struct Cache;
    void start_next();
    void job_finished();
    Runner* runner_for(const PipelineConfig& config, std::optional<ErrorInfo>& error);
    void run_preview(const PreviewRequest& request, std::uint64_t serial, const CancelToken& cancel);
    void run_folder(const FolderRequest& request, const CancelToken& cancel);
    std::shared_ptr<SharedRegistry> registry_;
    std::unique_ptr<RunTempDir> temp_;
    std::unique_ptr<Cache> cache_;  // touched only by the worker thread (jobs never overlap)
    std::thread worker_;
    std::optional<std::pair<PreviewRequest, std::uint64_t>> pending_preview_;
    std::optional<FolderRequest> pending_folder_;
    std::uint64_t next_serial_ = 1;
    bool running_batch_ = false;
    bool preview_running_ = false;
    bool busy_reported_ = false;
    // The running job's token: cancel() sets it; each job gets a fresh one.
    CancelToken job_cancel_;
};

}  // namespace portrait::studio

Q_DECLARE_METATYPE(portrait::studio::PreviewResultPtr)
Q_DECLARE_METATYPE(portrait::studio::FolderResultPtr)
