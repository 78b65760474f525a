// Runs a pipeline over many inputs: expands files and folders, mirrors the input
// tree under the output folder, never overwrites an input, keeps going when one
// image fails, and writes a JSON report.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "portrait/runtime/image_io.hpp"
#include "portrait/runtime/runner.hpp"

namespace portrait {

struct BatchInput {
    std::filesystem::path file;      // the image to read
    std::filesystem::path relative;  // its place under the output folder
};

struct BatchOptions {
    std::vector<std::string> inputs;   // files or folders (recursive)
    std::filesystem::path output_dir;
    std::string format;                // output extension without dot; "" = same as input
    WriteOptions write;
    std::filesystem::path report_json; // "" = none
};

struct BatchItem {
    std::filesystem::path input, output;
    std::string status;  // "ok", "failed"
    std::string error;
    ImageReport report;
    double ms = 0;
};

struct BatchSummary {
    int ok = 0, failed = 0;
    std::vector<BatchItem> items;
};

// Expands inputs into image files. Throws UsageError for an input that does not exist.
std::vector<BatchInput> collect_inputs(const std::vector<std::string>& inputs);
// The output path for an input; never equal to the input itself.
std::filesystem::path output_path_for(const BatchInput& in, const BatchOptions& options);
BatchSummary run_batch(const Runner& runner, const BatchOptions& options);
// Writes the report atomically as JSON.
void write_json_report(const std::filesystem::path& file, const BatchSummary& summary, const Runner& runner);

}  // namespace portrait
