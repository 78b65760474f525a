// Checks a plugin in a child process before the host loads it (as GStreamer's plugin
// scanner does): a plugin whose constructor or registration crashes, hangs or calls
// exit() ends only the child, and the host refuses it with one line.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace portrait::detail {

struct ScanResult {
    std::string problem;              // empty when the child loaded, checked and registered it
    std::vector<std::string> stages;  // the stage names it registered (when it passed)
};

// Stage names joined by ',' (they are snake_case, stage_spec_check.hpp), split again.
std::vector<std::string> split_names(const std::string& list);

// Waits at most PORTRAIT_PLUGIN_SCAN_TIMEOUT seconds (default 60) for the child; a child that
// timed out is tried once more before the plugin is refused.
ScanResult scan_plugin_in_child(const std::filesystem::path& file);

}  // namespace portrait::detail
