// Where a user's own ModelScope download of a model may be: one search order for the CLI
// (`portrait models fetch` uses a download it finds instead of the network) and for stages
// that point at a download in their errors. Header only: plugins link nothing but the SDK.
// Model files are never loaded from these folders: they are converted into the model cache,
// with checksums, first.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

namespace portrait {

// Folders, in this order, for each id of `model_ids` ("ORG/NAME", the current id first, then
// older names):
//   ./models/ORG_NAME                                   (the original tool's local layout)
//   the ModelScope cache C: C/ORG/NAME, C/models/ORG/NAME, C/hub/ORG/NAME, C/hub/models/ORG/NAME,
//     C = $MODELSCOPE_CACHE (older clients put models right in it, newer ones under hub/ and
//     models/), else ~/.cache/modelscope/hub (C/ORG/NAME, C/models/ORG/NAME)
//   each $PORTRAIT_MODELS folder D: D/ORG_NAME, D/ORG/NAME
// An id without '/' gives no folders.
inline std::vector<std::filesystem::path> modelscope_download_dirs(const std::vector<std::string>& model_ids) {
    namespace fs = std::filesystem;
    std::vector<fs::path> v;
    std::vector<fs::path> caches;
    if (const char* mc = std::getenv("MODELSCOPE_CACHE"); mc && *mc) {
        caches = {fs::path(mc), fs::path(mc) / "hub"};
    } else if (const char* home = std::getenv("HOME"); home && *home) {
        caches = {fs::path(home) / ".cache" / "modelscope" / "hub"};
    }
    std::vector<fs::path> extra;
    if (const char* pm = std::getenv("PORTRAIT_MODELS"); pm) {
        const std::string s(pm);
        for (std::size_t start = 0; start <= s.size();) {
            std::size_t end = s.find(':', start);
            if (end == std::string::npos) end = s.size();
            if (end > start) extra.emplace_back(s.substr(start, end - start));
            start = end + 1;
        }
    }
    std::error_code ec;
    const fs::path cwd = fs::current_path(ec);
    for (const std::string& id : model_ids) {
        const std::size_t slash = id.find('/');
        if (slash == std::string::npos || slash == 0 || slash + 1 >= id.size()) continue;
        const std::string org = id.substr(0, slash), name = id.substr(slash + 1), flat = org + "_" + name;
        v.push_back((ec ? fs::path() : cwd) / "models" / flat);
        for (const fs::path& c : caches) {
            v.push_back(c / org / name);
            v.push_back(c / "models" / org / name);
        }
        for (const fs::path& d : extra) {
            v.push_back(d / flat);
            v.push_back(d / org / name);
        }
    }
    return v;
}

}  // namespace portrait
