// Runs a pipeline over many inputs, unattended: expands files, folders, globs and
// lists; mirrors the input tree under the output folder and never replaces an input;
// keeps going when one image fails; admits images by their estimated memory; writes
// every output atomically with a manifest for --resume; takes a deterministic shard
// of the inputs; reports as JSON and HTML; shows progress on stderr.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "portrait/runtime/image_io.hpp"
#include "portrait/runtime/runner.hpp"

namespace portrait {

struct BatchInput {
    std::filesystem::path file;        // the image to read
    std::filesystem::path relative;    // its place under the output folder, as listed
    std::filesystem::path output_rel;  // after the format change and collision renames
    std::string error;                 // a problem found while listing (broken link): fails the item
};

enum class ProgressMode { Auto, Always, Never };

struct BatchOptions {
    std::vector<std::string> inputs;      // files, folders (recursive) or glob patterns
    std::vector<std::string> from_lists;  // files with one input a line; "-" = stdin
    std::filesystem::path output_dir;
    std::string format;                   // output extension without dot; "" = same as input
    WriteOptions write;
    std::filesystem::path report_json;    // "" = none
    std::filesystem::path report_html;    // "" = none
    bool resume = false;
    int shard_index = 0, shard_count = 1; // --shard I/N: this process takes share I of N
    int workers = 0;                      // images in flight; 0 = min(threads, 4)
    int threads = 1;                      // all threads of the process (resources.threads, resolved)
    ProgressMode progress = ProgressMode::Auto;
    double progress_interval_s = 10;      // seconds between plain progress lines
};

struct BatchItem {
    std::filesystem::path input, output;
    std::string status;  // "ok", "failed", "skipped" (resume: up to date), "cancelled"
    std::string error;
    std::vector<std::string> warnings;
    ImageReport report;
    std::optional<int> faces;     // faces found; empty when no stage of the pipeline looks for faces
    std::string input_sha256;
    double read_ms = 0, decode_ms = 0, process_ms = 0, encode_ms = 0, write_ms = 0, ms = 0;
    std::size_t estimate_bytes = 0;  // estimated peak the image was admitted with
    std::size_t peak_rss_bytes = 0;  // process peak RSS when the image finished
    int orientation = 1;             // EXIF orientation applied to the pixels
    std::string thumb_before, thumb_after;  // for the HTML report, relative to it
};

struct BatchSummary {
    int ok = 0, failed = 0, skipped = 0, cancelled = 0;
    int no_face_warnings = 0;  // images where a face stage found no face
    int other_warnings = 0;
    bool interrupted = false;  // SIGINT stopped the batch
    std::string pipeline_fingerprint;
    int workers = 1, threads_per_image = 1, threads = 1;
    std::size_t memory_budget = 0;  // bytes for images in flight (0 = unlimited)
    double wall_s = 0;
    std::size_t peak_rss_bytes = 0;
    std::vector<std::string> listing_warnings;  // loops, unreadable folders
    std::vector<BatchItem> items;               // in input order
    std::vector<std::string> report_errors;     // --report files that could not be written
};

// Expands files, folders (recursive, following folder links once, loops skipped),
// globs and list files. Throws UsageError for an input that does not exist. Files
// that are outputs recorded in `skip_outputs_of`'s manifest are left out.
std::vector<BatchInput> collect_inputs(const std::vector<std::string>& inputs,
                                       const std::vector<std::string>& from_lists = {},
                                       std::vector<std::string>* warnings = nullptr,
                                       const std::filesystem::path& skip_outputs_of = {});
// Sets every input's output_rel: the format's extension, a "-portrait" suffix where
// the output would be an input file, "-2", "-3"... where two outputs would collide.
void plan_outputs(std::vector<BatchInput>& inputs, const BatchOptions& options);
// The output path for one input (plan_outputs for a single input).
std::filesystem::path output_path_for(const BatchInput& in, const BatchOptions& options);
// Deterministic share: is this output (relative path) in shard `index` of `count`?
bool in_shard(const std::filesystem::path& output_rel, int index, int count);
// Parses "I/N" (0 <= I < N). Throws UsageError.
void parse_shard(const std::string& text, int& index, int& count);

// What decides an output's bytes besides the input: version, stages, parameters,
// plugins, working size, memory limit and encoder settings. Hex SHA-256.
std::string pipeline_fingerprint(const Runner& runner, const BatchOptions& options);

BatchSummary run_batch(const Runner& runner, const BatchOptions& options);

// Reports, each written atomically.
void write_json_report(const std::filesystem::path& file, const BatchSummary& summary, const Runner& runner);
void write_html_report(const std::filesystem::path& file, const BatchSummary& summary, const Runner& runner);
// The folder beside an HTML report holding its thumbnails ("<stem>-thumbs").
std::filesystem::path thumbs_dir_for(const std::filesystem::path& html_report);

}  // namespace portrait
