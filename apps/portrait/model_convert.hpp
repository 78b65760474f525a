// Running the Python model converters (models/convert/<kind>.py SOURCE -o OUT) and other
// helper processes, with their output passed through.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace portrait::cli {

// Converter kinds: facemesh, skin-retouching, gpen, realesrnet, eqface, esrgan. Model names that name one
// converter output (gpen-512, gpen-1024, gpen-2048, realesrnet-x2) are accepted as aliases.
struct ConverterKind {
    std::string kind;    // canonical kind
    std::string script;  // file name in the converters folder
    std::string model;   // fixed output model for an alias (e.g. gpen-1024), else empty
};
const std::vector<std::string>& converter_kinds();
// Throws std::runtime_error listing the kinds when `name` is none of them.
ConverterKind resolve_converter(const std::string& name);

// $PORTRAIT_CONVERT_DIR, else <data dir>/models/convert.
std::filesystem::path converters_dir();
// $PORTRAIT_PYTHON, else /usr/bin/python3 (the Debian python that has python3-torch).
std::string python_executable();
// Whether `python` can import torch (checked without importing it, so it is fast).
bool python_has_torch(const std::string& python);

// Where `portrait models convert KIND SOURCE` writes without -o: the cache folder the
// stages look in. For gpen the size comes from the source path ("2048", "hires"/"1024",
// else 512), as the original pipeline decides it; `note` says so.
std::filesystem::path default_convert_output(const ConverterKind& kind, const std::filesystem::path& source,
                                             std::string* note = nullptr);

// Runs argv[0] with argv (PATH lookup), stdout/stderr inherited, default signal handling
// in the child; returns its exit status (128+signal if killed). Throws if it cannot start.
int run_process(const std::vector<std::string>& argv);

// Checks python and torch, then runs the converter. Returns the converter's exit status;
// prints (to stderr) what went wrong when it is not 0. Throws std::runtime_error when the
// converter script, python or torch is missing.
int run_converter(const ConverterKind& kind, const std::filesystem::path& source, const std::filesystem::path& out);

}  // namespace portrait::cli
