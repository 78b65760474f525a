// Checks a plugin in a child process before the host loads it (as GStreamer's plugin
// scanner does): a plugin whose constructor or registration crashes, hangs or calls
// exit() ends only the child, and the host refuses it with one line.
#pragma once

#include <filesystem>
#include <string>

namespace portrait::detail {

// Empty when the child loaded, checked and registered the plugin; else the reason.
// Waits at most PORTRAIT_PLUGIN_SCAN_TIMEOUT seconds (default 60) for the child.
std::string scan_plugin_in_child(const std::filesystem::path& file);

}  // namespace portrait::detail
