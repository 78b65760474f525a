// Where the host finds its own data (pipelines/, models/ catalogue and converters):
// beside the installed executable (<prefix>/share/portrait), else the source tree.
#pragma once

#include <filesystem>
#include <vector>

namespace portrait {

std::vector<std::filesystem::path> data_dirs();
// The folders in a colon-separated environment variable (PORTRAIT_MODELS, ...); empty entries skipped.
std::vector<std::filesystem::path> env_path_list(const char* variable);
// First existing <data dir>/<relative>, or empty.
std::filesystem::path find_data(const std::filesystem::path& relative);

}  // namespace portrait
