// Runs a pipeline over many inputs, unattended: expands files, folders, globs and
// lists; mirrors the input tree under the output folder and never replaces an input;
// keeps going when one image fails; admits images by their estimated memory; writes
// every output atomically with a manifest for --resume; takes a deterministic shard
// of the inputs; reports as JSON and HTML; shows progress on stderr and tells an
// observer about each image; stops cleanly when its cancel token is set.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "portrait/runtime/cancel.hpp"
#include "portrait/runtime/image_io.hpp"
#include "portrait/runtime/runner.hpp"

namespace portrait {

struct BatchInput {
    std::filesystem::path file;        // the image to read
    std::filesystem::path relative;    // its place under the output folder, as listed
    std::filesystem::path output_rel;  // after the format change and collision renames
    std::string error;                 // a problem found while listing (broken link): fails the item
    std::filesystem::path renamed_from;  // the name output_rel had before a collision rename; empty if none
    std::string rename_reason;           // why: which input or output already had that name
};

// One line of a --from-list file, with where it came from for messages.
struct ListedInput {
    std::string text;
    std::string list;  // the list file as given ("-" = stdin)
    int line = 0;      // 1-based
};

enum class ProgressMode { Auto, Always, Never };

struct BatchOptions {
    std::vector<std::string> inputs;      // files, folders (recursive) or glob patterns
    std::vector<std::string> from_lists;  // files with one input a line; "-" = stdin
    std::vector<ListedInput> listed;      // list lines read already (read_input_lists), taken before from_lists
    std::filesystem::path output_dir;
    std::string format;                   // output extension without dot; "" = same as input
    WriteOptions write;
    std::filesystem::path report_json;    // "" = none
    std::filesystem::path report_html;    // "" = none
    bool report_single_file = false;      // the HTML report embeds its images (data: URIs): one file to mail
    std::vector<std::string> overrides;   // the user's pipeline/resource options as typed, for the reports
    bool resume = false;
    int shard_index = 0, shard_count = 1; // --shard I/N: this process takes share I of N
    int workers = 0;                      // images in flight; 0 = min(threads, 4)
    int threads = 1;                      // all threads of the process (resources.threads, resolved)
    ProgressMode progress = ProgressMode::Auto;
    double progress_interval_s = 10;      // seconds between plain progress lines
    CancelToken cancel = CancelToken::following_signals();  // stops the batch; by default Ctrl-C
};

// What became of one image. to_string gives the word the reports and the manifest use.
enum class ItemStatus {
    Ok,        // written
    Failed,    // not written: error says why
    Skipped,   // --resume: the output is up to date
    Cancelled  // the batch was stopped before it was written
};
const char* to_string(ItemStatus status);

struct BatchItem {
    std::filesystem::path input, output;
    ItemStatus status = ItemStatus::Failed;
    std::string error;
    std::vector<std::string> warnings;  // each a line for the log and the reports
    bool no_face = false;               // a face stage found no face (one of the warnings says so)
    ImageReport report;
    std::optional<int> faces;     // faces found; empty when no stage of the pipeline looks for faces
    std::string input_sha256;
    double read_ms = 0, decode_ms = 0, process_ms = 0, encode_ms = 0, write_ms = 0, ms = 0;
    std::size_t estimate_bytes = 0;  // estimated peak the image was admitted with
    std::size_t peak_rss_bytes = 0;  // process peak RSS when the image finished
    int orientation = 1;             // EXIF orientation applied to the pixels
    int input_jpeg_quality = 0;      // a JPEG input's estimated quality (estimate_jpeg_quality); 0 otherwise
    int output_quality = 0;          // the quality a JPEG/WebP output was encoded at; 0 for other formats
    std::filesystem::path renamed_from;  // the output planned before a collision rename; empty if none
    std::string rename_reason;
    std::string thumb_before, thumb_after;  // for the HTML report, relative to it
    cv::Size thumb_size;                    // both thumbnails' size
    // Each face (at most kMaxFaceCrops) before and after, at 100% where it fits.
    struct FaceCrop {
        cv::Rect face;               // the face box in output pixels
        cv::Rect region;             // what the crops show: the box enlarged 1.4x, clipped, output pixels
        cv::Size shown;              // the crops' size: the region, scaled down to at most 512 px a side
        std::string before, after;   // files for the HTML report, relative to it
    };
    std::vector<FaceCrop> face_crops;
};

inline constexpr int kMaxFaceCrops = 64;

struct BatchSummary {
    int ok = 0, failed = 0, skipped = 0, cancelled = 0;
    int no_face_warnings = 0;  // images where a face stage found no face
    int other_warnings = 0;
    int renamed = 0;           // outputs renamed to avoid a collision (x-2.jpg)
    std::vector<std::string> overrides;  // BatchOptions::overrides
    std::string quality;                 // "auto" or the JPEG quality forced
    bool interrupted = false;  // the cancel token (Ctrl-C, SIGTERM) stopped the batch
    std::string pipeline_fingerprint;
    int shard_index = 0, shard_count = 1;  // --shard I/N this run took
    int workers = 1, threads_per_image = 1, threads = 1;
    std::size_t memory_budget = 0;  // bytes for images in flight (0 = unlimited)
    double wall_s = 0;
    std::size_t peak_rss_bytes = 0;
    std::vector<std::string> listing_warnings;  // loops, unreadable folders
    std::vector<BatchItem> items;               // in input order
    std::vector<std::string> report_errors;     // --report files that could not be written
};

// Expands files, folders (recursive, following folder links once, loops skipped),
// globs and list lines. Throws UsageError for an input that does not exist, naming the
// list and line for a list line. Files that are outputs recorded in `skip_outputs_of`'s
// manifest are left out.
std::vector<BatchInput> collect_inputs(const std::vector<std::string>& inputs,
                                       const std::vector<ListedInput>& listed = {},
                                       std::vector<std::string>* warnings = nullptr,
                                       const std::filesystem::path& skip_outputs_of = {});
// Reads list files, one input a line (blank lines skipped, CRLF taken); "-" reads stdin.
// Throws UsageError for a list that cannot be read.
std::vector<ListedInput> read_input_lists(const std::vector<std::string>& lists);
// Sets every input's output_rel: the format's extension, a "-portrait" suffix where the
// output would be an input file, "-2", "-3"... where two outputs would collide; a changed
// name keeps the planned one in renamed_from and says why in rename_reason.
void plan_outputs(std::vector<BatchInput>& inputs, const BatchOptions& options);
// The output path for one input (plan_outputs for a single input).
std::filesystem::path output_path_for(const BatchInput& in, const BatchOptions& options);
// Deterministic share: is this output (relative path) in shard `index` of `count`?
bool in_shard(const std::filesystem::path& output_rel, int index, int count);
// Parses "I/N" (0 <= I < N). Throws UsageError.
void parse_shard(const std::string& text, int& index, int& count);

// What decides an output's bytes besides the input: version, stages, parameters,
// plugins (their files' digests), the model files the stages found (their sidecar
// digests), working size, memory limit and encoder settings. Hex SHA-256.
std::string pipeline_fingerprint(const Runner& runner, const BatchOptions& options);

// This run's inputs: the lists read, files, folders and globs expanded, outputs planned,
// the shard taken. Made once, before any plugin loads (a missing input is a UsageError),
// and handed to run_batch.
struct BatchInputs {
    std::vector<BatchInput> inputs;      // of this shard, in order
    std::size_t listed = 0;              // of all shards
    std::vector<std::string> warnings;   // loops, unreadable folders
};
BatchInputs list_batch_inputs(const BatchOptions& options);

// What a caller sees of a batch while it runs, on the batch's threads (one call at a time).
struct BatchObserver {
    std::function<void(int total)> started;  // the images of this run, before the first starts
    // Each image as it ends (any status), in the order they end; `done` counts them from 1.
    // Images a cancelled batch never started have no event (the summary lists them).
    std::function<void(const BatchItem& item, int done, int total)> item_done;
};

BatchSummary run_batch(const Runner& runner, const BatchOptions& options, BatchInputs inputs,
                       const BatchObserver& observer = {});
// Lists the inputs first (list_batch_inputs).
BatchSummary run_batch(const Runner& runner, const BatchOptions& options, const BatchObserver& observer = {});

// Reports, each written atomically.
void write_json_report(const std::filesystem::path& file, const BatchSummary& summary, const Runner& runner);
// `single_file`: every image read from the thumbnails folder and embedded as a data: URI.
void write_html_report(const std::filesystem::path& file, const BatchSummary& summary, const Runner& runner,
                       bool single_file = false);
// The folder beside an HTML report holding its thumbnails and face crops ("<stem>-thumbs").
std::filesystem::path thumbs_dir_for(const std::filesystem::path& html_report);

}  // namespace portrait
