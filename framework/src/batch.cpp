// The batch loop: a oneTBB parallel_pipeline over the planned inputs. A serial filter
// hands out the next image (and stops once cancelled); a parallel filter reads, checks the
// header, admits the image by its estimated peak memory, decodes, runs the pipeline,
// encodes and writes it atomically; a serial filter records the manifest line and
// progress. Images in flight never exceed `workers`; threads never exceed `threads`.
#include "portrait/runtime/batch.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <spdlog/spdlog.h>
#include <tbb/global_control.h>
#include <tbb/parallel_pipeline.h>
#include <tbb/task_arena.h>

#include "batch_thumbnails.hpp"
#include "portrait/runtime/batch_manifest.hpp"
#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/logging.hpp"
#include "portrait/runtime/progress.hpp"
#include "portrait/runtime/resources.hpp"
#include "portrait/runtime/sha256.hpp"
#include "portrait/runtime/temp_dir.hpp"
#include "portrait/runtime/text_escape.hpp"
#include "portrait/version.hpp"

namespace portrait {
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// Admits images by their estimated peak so the sum in flight stays within the budget.
// An image larger than the budget still runs, alone: it passed the runner's own check
// against the whole memory limit (choose_scale), which shrinks its working size first.
class MemoryGate {
public:
    explicit MemoryGate(std::size_t budget) : budget_(budget) {}
    void acquire(std::size_t bytes) {
        if (budget_ == 0) return;
        std::unique_lock<std::mutex> lock(m_);
        cv_.wait(lock, [&] { return in_flight_ == 0 || in_use_ + bytes <= budget_; });
        in_use_ += bytes;
        ++in_flight_;
    }
    void release(std::size_t bytes) {
        if (budget_ == 0) return;
        {
            std::lock_guard<std::mutex> lock(m_);
            in_use_ -= bytes;
            --in_flight_;
        }
        cv_.notify_all();
    }

private:
    std::size_t budget_, in_use_ = 0;
    int in_flight_ = 0;
    std::mutex m_;
    std::condition_variable cv_;
};

struct Job {
    std::size_t index = 0;
    bool written = false;
    std::uint64_t output_size = 0;
};

// The single-file report's pictures, once embedded in it.
void remove_report_pictures(BatchSummary& summary, const fs::path& dir) {
    std::error_code ec;
    auto rm = [&](std::string& rel) {
        if (!rel.empty()) fs::remove(dir.parent_path() / rel, ec);
        rel.clear();
    };
    for (auto& it : summary.items) {
        rm(it.thumb_before);
        rm(it.thumb_after);
        for (auto& c : it.face_crops) {
            rm(c.before);
            rm(c.after);
        }
    }
    fs::remove(dir, ec);  // only when empty: it may hold an earlier report's pictures
}

// Face counts and one "found no face" warning from the runner's per-stage report.
void summarise_faces(BatchItem& item, const Runner& runner) {
    bool any_face_stage = false;
    for (const auto& st : runner.pipeline().stages) any_face_stage |= is_face_stage(st.entry->spec);
    if (!any_face_stage) return;
    item.faces = std::max(faces_found(item.report), 0);
    if (item.status != ItemStatus::Ok) return;
    // The first face stage that saw none says it; the others only list whether they
    // still changed the image, so an image is one warning however many face stages run.
    std::string first, changed;
    for (const auto& s : item.report.stages) {
        if (s.faces != 0) continue;
        if (first.empty()) first = s.id;
        if (s.changed) changed += (changed.empty() ? "'" : ", '") + s.id + "'";
    }
    if (first.empty()) return;
    item.no_face = true;
    item.warnings.push_back("no_face: stage '" + first + "' found no face; " +
                            (changed.empty() ? std::string("the face stages passed the image through unchanged")
                                             : "face stage(s) " + changed + " still changed it"));
}

}  // namespace

const char* to_string(ItemStatus status) {
    switch (status) {
        case ItemStatus::Ok: return "ok";
        case ItemStatus::Failed: return "failed";
        case ItemStatus::Skipped: return "skipped";
        case ItemStatus::Cancelled: return "cancelled";
    }
    return "failed";
}

std::string pipeline_fingerprint(const Runner& runner, const BatchOptions& o) {
    const ResolvedPipeline& p = runner.pipeline();
    std::ostringstream s;
    s << "portrait " << PORTRAIT_VERSION_STRING << "\n";
    // The machine's default budget (half its memory) is left out: shards of one batch on
    // machines of different sizes must agree (report merge compares fingerprints). A budget
    // the user set counts, since it can shrink the working size and so change the output (the
    // default, half a machine, rarely binds).
    const std::size_t budget = p.config.resources.memory_limit;
    s << "max_size " << p.config.resources.max_size;
    if (budget != default_memory_limit()) s << " memory_limit " << budget;
    s << "\n";
    // A GPU's result differs from the CPU's in the last bits: images made on one are redone on the
    // other. CPU runs keep the fingerprints they had before the device setting existed.
    if (runner.device() != "cpu") s << "device " << runner.device() << "\n";
    for (const auto& st : p.stages) {
        s << "stage " << st.id << " " << st.entry->spec.name << " " << st.entry->plugin->name << "@"
          << st.entry->plugin->version << "\n";
        for (const auto& [k, v] : st.params.values()) s << "  " << k << "=" << to_string(v) << "\n";
    }
    // What the stages are made of: a re-converted model or a rebuilt plugin redoes the
    // images. Models by the digest their sidecar vouches for (find_model checked it when
    // the stage started), plugins by the digest of their file's bytes (not its path or
    // time, so that shards on machines with the same build agree).
    for (const auto& m : runner.models().found()) s << "model " << m << "\n";
    std::set<std::filesystem::path> plugin_files;
    for (const auto& st : p.stages) plugin_files.insert(st.entry->plugin->path);
    for (const auto& f : plugin_files) {
        std::string digest;
        try {
            digest = sha256_file(f);
        } catch (const std::exception&) {
            digest = "unreadable";  // a plugin removed after it loaded: nothing to redo for
        }
        s << "plugin " << f.filename().string() << " " << digest << "\n";
    }
    // Under auto a JPEG output's quality follows its input, whose bytes the manifest has.
    s << "format " << o.format << " jpeg " << (o.write.jpeg_quality_auto ? "auto " : "") << o.write.jpeg_quality
      << " png " << o.write.png_compression << " webp " << o.write.webp_quality << "\n";
    const std::string text = s.str();
    return sha256_hex(text.data(), text.size());
}

fs::path thumbs_dir_for(const fs::path& html) {
    return html.parent_path() / (html.stem().string() + "-thumbs");
}

namespace {

// One run_batch call as named steps over the state they share: choose the inputs, plan
// the threads, open the outputs, run the images (process each in parallel, record each
// in order), list the ones never started, write the reports.
class BatchRun {
public:
    BatchRun(const Runner& runner, const BatchOptions& o, BatchInputs inputs, const BatchObserver& observer)
        : runner_(runner), o_(o), observer_(observer), log_(host_logger()), listed_(std::move(inputs)) {}

    BatchSummary run() {
        const auto t_start = Clock::now();
        select_inputs();
        plan_threads();
        open_outputs();
        if (observer_.started) observer_.started(int(inputs_.size()));
        const std::size_t started = run_images();
        list_unstarted(started);
        summary_.interrupted = o_.cancel.cancelled();
        progress_->finish(done_, summary_.failed, summary_.skipped);
        summary_.wall_s = std::chrono::duration<double>(Clock::now() - t_start).count();
        summary_.peak_rss_bytes = peak_rss_bytes();
        write_reports();
        return std::move(summary_);
    }

private:
    // The inputs of this shard (list_batch_inputs made them).
    void select_inputs() {
        summary_.overrides = o_.overrides;
        summary_.quality = o_.write.jpeg_quality_auto ? "auto" : std::to_string(o_.write.jpeg_quality);
        summary_.listing_warnings = std::move(listed_.warnings);
        for (const auto& w : summary_.listing_warnings) log_.warn("{}", w);
        inputs_ = std::move(listed_.inputs);
        if (o_.shard_count > 1)
            log_.info("shard {}/{}: {} of {} image(s)", o_.shard_index, o_.shard_count, inputs_.size(), listed_.listed);
        summary_.items.resize(inputs_.size());
    }

    // W images in flight, each stage's intra-op pool max(1, threads / W), so the process
    // never runs more than `threads` busy threads; and the memory budget they share.
    void plan_threads() {
        threads_ = std::max(1, o_.threads);
        workers_ = o_.workers > 0 ? o_.workers : std::min(threads_, 4);
        if (workers_ > threads_) {
            // Each image needs at least one thread: more images in flight would oversubscribe.
            log_.warn("--workers {} is more than the {} thread(s) allowed (resources.threads / --threads); running {}",
                      workers_, threads_, threads_);
            workers_ = threads_;
        }
        workers_ = std::max(1, std::min<int>(workers_, std::max<std::size_t>(inputs_.size(), 1)));
        const int per_image = std::max(1, threads_ / workers_);
        apply_thread_count(per_image);
        runner_.set_threads_per_image(per_image);
        summary_.workers = workers_;
        summary_.threads = threads_;
        summary_.threads_per_image = per_image;

        const std::size_t limit = runner_.pipeline().config.resources.memory_limit;
        const std::size_t baseline = current_rss_bytes();
        summary_.memory_budget = limit == 0 ? 0 : (limit > baseline ? limit - baseline : 1);
        gate_ = std::make_unique<MemoryGate>(summary_.memory_budget);
    }

    // The fingerprint, the resume manifest (read and appended), the thumbnails folder and
    // the progress display.
    void open_outputs() {
        summary_.pipeline_fingerprint = pipeline_fingerprint(runner_, o_);
        summary_.shard_index = o_.shard_index;
        summary_.shard_count = o_.shard_count;
        if (o_.resume) manifest_ = read_manifest(o_.output_dir);
        std::error_code ec;
        fs::create_directories(o_.output_dir, ec);
        std::string err;
        if (!manifest_out_.open(o_.output_dir, o_.shard_index, o_.shard_count, err)) log_.warn("{}", err);
        thumbs_ = o_.report_html.empty() ? fs::path() : thumbs_dir_for(o_.report_html);
        if (!thumbs_.empty()) fs::create_directories(thumbs_, ec);

        // auto: a bar on a terminal, plain periodic lines otherwise; always: the bar regardless.
        const bool bar = o_.progress == ProgressMode::Always ||
                         (o_.progress == ProgressMode::Auto && Progress::stderr_is_terminal());
        progress_ = std::make_unique<Progress>(o_.progress != ProgressMode::Never, bar, o_.progress_interval_s);
        progress_->start(int(inputs_.size()));
    }

    // An output folder is created and swept of stale temp files once.
    void prepare_dir(const fs::path& dir) {
        std::lock_guard<std::mutex> lock(dirs_mutex_);
        if (ready_dirs_.count(dir)) return;
        std::error_code ec;
        fs::create_directories(dir, ec);
        sweep_stale_temp_files(dir);
        ready_dirs_.insert(dir);
    }

    // --resume: the manifest says this output was made from these bytes with this pipeline.
    bool up_to_date(const BatchInput& in, const BatchItem& item) const {
        if (!o_.resume) return false;
        auto it = manifest_.find(in.output_rel.generic_string());
        std::error_code ec;
        return it != manifest_.end() && it->second.input_sha256 == item.input_sha256 &&
               it->second.pipeline == summary_.pipeline_fingerprint && fs::exists(item.output, ec) &&
               fs::file_size(item.output, ec) == it->second.output_size;
    }

    void name_item(BatchItem& item, const BatchInput& in) const {
        item.input = in.file;
        item.output = o_.output_dir / in.output_rel;
        if (!in.renamed_from.empty()) item.renamed_from = o_.output_dir / in.renamed_from;
        item.rename_reason = in.rename_reason;
    }

    // The work on one image (any thread); fills its item. Never throws.
    void process(Job& job) {
        const BatchInput& in = inputs_[job.index];
        BatchItem& item = summary_.items[job.index];
        name_item(item, in);
        // The name as messages show it; the real path is kept for every file operation.
        const std::string name = escape_text(in.file.string());
        const auto t0 = Clock::now();
        std::size_t admitted = 0;
        bool holding = false;
        try {
            if (!in.error.empty()) throw ImageError(in.error);
            if (o_.cancel.cancelled()) {
                item.status = ItemStatus::Cancelled;
                item.error = "not started: the batch was interrupted";
                return;
            }
            auto t = Clock::now();
            const std::vector<unsigned char> bytes = read_file_bytes(in.file);
            item.input_sha256 = sha256_hex(bytes.data(), bytes.size());
            item.read_ms = ms_since(t);
            if (up_to_date(in, item)) {
                item.status = ItemStatus::Skipped;
                item.ms = ms_since(t0);
                return;
            }
            const ImageHeader header = probe_image(bytes, name);
            ProcessOptions run;
            run.cancel = o_.cancel;
            try {
                run.plan = runner_.plan(cv::Size(header.width, header.height), header.channels, header.depth_bytes);
                admitted = run.plan->peak_bytes + bytes.size();
            } catch (const ImageError& e) {
                throw ImageError(name + ": " + std::to_string(header.width) + "x" + std::to_string(header.height) +
                                 " " + e.what() + "; refused before decoding");
            }
            item.estimate_bytes = admitted;
            gate_->acquire(admitted);
            holding = true;

            t = Clock::now();
            DecodedImage img = decode_image(bytes, header, name);
            item.decode_ms = ms_since(t);
            item.orientation = img.orientation;
            item.input_jpeg_quality = img.jpeg_quality;
            for (auto& w : img.warnings) item.warnings.push_back("metadata: " + w);

            t = Clock::now();
            cv::Mat result = runner_.process(img.pixels, name, item.report, run);
            item.process_ms = ms_since(t);
            if (!item.report.ok) {
                if (!item.report.cancelled) throw ImageError(name + ": " + item.report.error);
                item.status = ItemStatus::Cancelled;
                item.error = "interrupted before it finished";
            } else {
                for (const auto& w : item.report.warnings) item.warnings.push_back(w);
                write_output(job, item, img, result);
                item.status = ItemStatus::Ok;
            }
        } catch (const std::exception& e) {
            item.status = ItemStatus::Failed;
            item.error = e.what();
        }
        if (holding) gate_->release(admitted);
        item.ms = ms_since(t0);
    }

    // Encodes and writes the result atomically, then its report pictures.
    void write_output(Job& job, BatchItem& item, const DecodedImage& img, const cv::Mat& result) {
        auto t = Clock::now();
        std::vector<std::string> enc_warnings;
        const WriteOptions write = write_options_for(o_.write, img);
        std::string ext = item.output.extension().string();
        std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
        item.output_quality = ext == ".jpg" || ext == ".jpeg" ? write.jpeg_quality
                              : ext == ".webp"                 ? write.webp_quality
                                                               : 0;
        const std::vector<unsigned char> encoded = encode_image(item.output, result, write, &img.metadata, &enc_warnings);
        for (auto& w : enc_warnings) item.warnings.push_back(w);
        item.encode_ms = ms_since(t);

        t = Clock::now();
        prepare_dir(item.output.parent_path());
        write_file_atomic(item.output, encoded);
        item.write_ms = ms_since(t);
        job.written = true;
        job.output_size = encoded.size();

        if (!thumbs_.empty()) {
            try {
                write_report_pictures(item, thumbs_, job.index, img.pixels, result);
            } catch (const std::exception& e) {
                item.warnings.push_back(std::string("thumbnail not written: ") + e.what());
            }
        }
    }

    // One finished image, in the order they finish (serial): counts, manifest, log, progress.
    void record(Job& job) {
        BatchItem& item = summary_.items[job.index];
        item.peak_rss_bytes = peak_rss_bytes();
        summarise_faces(item, runner_);
        if (job.written)
            manifest_out_.append({inputs_[job.index].output_rel.generic_string(), item.input.string(),
                                  item.input_sha256, summary_.pipeline_fingerprint, job.output_size});
        switch (item.status) {
            case ItemStatus::Ok:
                ++summary_.ok;
                log_.debug("{} -> {}", escape_text(item.input.string()), escape_text(item.output.string()));
                break;
            case ItemStatus::Failed:
                ++summary_.failed;
                log_.error("{}", item.error);
                break;
            case ItemStatus::Skipped: ++summary_.skipped; break;
            case ItemStatus::Cancelled: ++summary_.cancelled; break;
        }
        summary_.other_warnings += int(item.warnings.size()) - (item.no_face ? 1 : 0);
        if (item.no_face) ++summary_.no_face_warnings;
        for (const auto& w : item.warnings) log_.warn("{}: {}", escape_text(item.input.string()), w);
        if (!item.renamed_from.empty()) {
            ++summary_.renamed;
            log_.warn("{}: output renamed to {} ({} was taken: {})", escape_text(item.input.string()),
                      escape_text(item.output.string()), escape_text(item.renamed_from.string()),
                      escape_text(item.rename_reason));
        }
        ++done_;
        progress_->update(done_, summary_.failed, summary_.skipped);
        if (observer_.item_done) observer_.item_done(item, done_, int(inputs_.size()));
    }

    // The images through a oneTBB pipeline: handed out in order, processed `workers` at a
    // time, recorded one at a time. Returns how many were handed out (all, unless cancelled).
    std::size_t run_images() {
        // Caps every TBB thread of the process (ours and OpenCV's, whose backend is TBB).
        tbb::global_control limit_threads(tbb::global_control::max_allowed_parallelism, std::size_t(threads_));
        tbb::task_arena arena(workers_);
        std::size_t next = 0;
        arena.execute([&] {
            tbb::parallel_pipeline(
                std::size_t(workers_),
                tbb::make_filter<void, Job*>(tbb::filter_mode::serial_in_order,
                                             [&](tbb::flow_control& fc) -> Job* {
                                                 if (next >= inputs_.size() || o_.cancel.cancelled()) {
                                                     fc.stop();
                                                     return nullptr;
                                                 }
                                                 auto* job = new Job;
                                                 job->index = next++;
                                                 return job;
                                             }) &
                    tbb::make_filter<Job*, Job*>(tbb::filter_mode::parallel,
                                                 [&](Job* job) {
                                                     process(*job);
                                                     return job;
                                                 }) &
                    tbb::make_filter<Job*, void>(tbb::filter_mode::serial_out_of_order, [&](Job* job) {
                        record(*job);
                        delete job;
                    }));
        });
        return next;
    }

    // Images never started because the batch was cancelled are listed too, so the report is complete.
    void list_unstarted(std::size_t from) {
        for (std::size_t i = from; i < inputs_.size(); ++i) {
            BatchItem& item = summary_.items[i];
            name_item(item, inputs_[i]);
            if (!item.renamed_from.empty()) ++summary_.renamed;
            item.status = ItemStatus::Cancelled;
            item.error = "not started: the batch was interrupted";
            ++summary_.cancelled;
        }
    }

    // The images are written by now: a report that cannot be written (a full disk) is the
    // batch's failure to report, not a configuration error, and the other report still goes.
    void write_reports() {
        auto report = [&](const fs::path& file, auto write) {
            if (file.empty()) return;
            try {
                write(file, summary_, runner_);
            } catch (const std::exception& e) {
                summary_.report_errors.push_back(std::string("report not written: ") + e.what());
            }
        };
        report(o_.report_json, write_json_report);
        if (o_.report_html.empty()) return;
        const std::size_t errors_before = summary_.report_errors.size();
        report(o_.report_html, [&](const fs::path& f, const BatchSummary& s, const Runner& r) {
            write_html_report(f, s, r, o_.report_single_file);
        });
        // Embedded, the pictures are in the page; the folder goes unless the page failed.
        if (o_.report_single_file && summary_.report_errors.size() == errors_before)
            remove_report_pictures(summary_, thumbs_);
    }

    const Runner& runner_;
    const BatchOptions& o_;
    const BatchObserver& observer_;
    spdlog::logger& log_;
    BatchInputs listed_;
    BatchSummary summary_;
    std::vector<BatchInput> inputs_;
    int threads_ = 1, workers_ = 1;
    std::unique_ptr<MemoryGate> gate_;
    std::map<std::string, ManifestEntry> manifest_;
    ManifestWriter manifest_out_;
    fs::path thumbs_;
    std::unique_ptr<Progress> progress_;
    std::mutex dirs_mutex_;
    std::set<fs::path> ready_dirs_;
    int done_ = 0;
};

}  // namespace

BatchInputs list_batch_inputs(const BatchOptions& o) {
    BatchInputs out;
    std::vector<ListedInput> listed = o.listed;
    for (auto& l : read_input_lists(o.from_lists)) listed.push_back(std::move(l));
    std::vector<BatchInput> all = collect_inputs(o.inputs, listed, &out.warnings, o.output_dir);
    plan_outputs(all, o);
    out.listed = all.size();
    for (auto& in : all)
        if (in_shard(in.output_rel, o.shard_index, o.shard_count)) out.inputs.push_back(std::move(in));
    return out;
}

BatchSummary run_batch(const Runner& runner, const BatchOptions& o, BatchInputs inputs, const BatchObserver& observer) {
    return BatchRun(runner, o, std::move(inputs), observer).run();
}

BatchSummary run_batch(const Runner& runner, const BatchOptions& o, const BatchObserver& observer) {
    return run_batch(runner, o, list_batch_inputs(o), observer);
}

}  // namespace portrait
