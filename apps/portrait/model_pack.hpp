// `portrait models pack DIR`: the converted models of the cache, as a folder an offline
// machine can use with PORTRAIT_MODELS=DIR (or copy into its cache).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace portrait::cli {

struct PackResult {
    std::vector<std::string> models;  // model folders written
    int files = 0;                    // model files (sidecars not counted)
    std::uintmax_t bytes = 0;
    std::vector<std::string> unchecked;  // copied without a sidecar (metadata beside checked files)
    std::vector<std::string> skipped;    // files failing their sidecar, with the reason
};

// Copies every file of <models_dir>/<model>/ that has a matching .sha256 sidecar (checked
// while packing), with the sidecar, into <dir>/<model>/, plus the folder's files that have no
// sidecar (metadata such as model.pt.json); files failing their sidecar are left out.
// `only` limits the model folders.
// Also copies the catalogue and writes README.txt. Files are written as .part, then renamed.
PackResult pack_models(const std::filesystem::path& models_dir, const std::filesystem::path& dir,
                       const std::filesystem::path& catalogue, const std::vector<std::string>& only);

}  // namespace portrait::cli
