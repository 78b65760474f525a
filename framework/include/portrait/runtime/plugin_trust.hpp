// Which plugin folders a pipeline file may add. Plugins are native code: the host loads
// its own folder and PORTRAIT_PLUGIN_PATH (chosen by whoever installed or runs it), but a
// pipeline file may come from a shared or downloaded folder, so its plugin_paths load
// only when the user opts in, and then only files nobody else could have written (as
// ssh's StrictModes). See docs/architecture.md, "Threat model".
#pragma once

#include <filesystem>
#include <string>

namespace portrait {

// Empty when `path` (after resolving links) and every folder above it are owned by this
// user or root and not writable by group or others (folders above it may be sticky, as
// /tmp); otherwise the reason, naming the path and its mode.
std::string unsafe_ownership(const std::filesystem::path& path);

// Empty when the pipeline `pipeline_file` may load plugins from `dir`; else one line
// saying why not and what the user can do. `allowed`: the user opted in.
std::string pipeline_plugin_folder_refusal(const std::filesystem::path& dir,
                                           const std::filesystem::path& pipeline_file, bool allowed);

// PORTRAIT_ALLOW_PIPELINE_PLUGINS=1 (or yes/true): the opt-in for front ends without
// a command line (the Studio) and for scripts.
bool pipeline_plugins_allowed_by_environment();

}  // namespace portrait
