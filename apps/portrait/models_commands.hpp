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
// A user's own complete download of the entry, searched as the original tool's users keep
// them: ./models/<org>_<name>/, ~/.cache/modelscope/hub/[models/]<org>/<name>/, then every
// $PORTRAIT_MODELS folder (<dir>/<org>_<name>/, <dir>/<org>/<name>/); for the model id and
// its also_known_as id. Empty if none holds required_inputs(). `notes` gets the folders
// that were found but lack files.
std::filesystem::path find_user_download(const CatalogueEntry& entry, std::vector<std::string>* notes = nullptr);

}  // namespace portrait::cli
