// The `portrait models` subcommands (dispatched by cmd_models).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "portrait/runtime/model_catalogue.hpp"

namespace portrait::cli {

int models_list(const std::vector<std::string>& args);
int models_path(const std::vector<std::string>& args);
int models_fetch(const std::vector<std::string>& args);
int models_convert(const std::vector<std::string>& args);
int models_pack(const std::vector<std::string>& args);

// <cache>/modelscope/<org>/<name>: where `fetch` puts a ModelScope download.
std::filesystem::path modelscope_download_dir(const std::string& model_id);
// find_user_download (a user's own download of an entry) is in portrait/runtime/model_catalogue.hpp.

}  // namespace portrait::cli
