#include "portrait/runtime/model_locator.hpp"

#include <cstdlib>
#include <stdexcept>

#include "portrait/runtime/logging.hpp"
#include "portrait/runtime/sha256.hpp"

namespace portrait {
namespace fs = std::filesystem;

ModelLocator::ModelLocator(std::vector<fs::path> pipeline_dirs) : dirs_(std::move(pipeline_dirs)) {
    if (const char* env = std::getenv("PORTRAIT_MODELS")) {
        std::string s(env);
        std::size_t start = 0;
        while (start <= s.size()) {
            std::size_t end = s.find(':', start);
            if (end == std::string::npos) end = s.size();
            if (end > start) dirs_.emplace_back(s.substr(start, end - start));
            start = end + 1;
        }
    }
    dirs_.push_back(cache_dir() / "models");
}

fs::path ModelLocator::locate(const std::string& model, const std::string& file) const {
    std::error_code ec;
    for (const auto& d : dirs_) {
        fs::path p = d / model / file;
        if (fs::is_regular_file(p, ec)) return p;
    }
    return {};
}

fs::path ModelLocator::find(const std::string& model, const std::string& file) const {
    fs::path p = locate(model, file);
    if (p.empty()) {
        std::string searched;
        for (const auto& d : dirs_) searched += "\n  " + (d / model / file).string();
        throw std::runtime_error("model '" + model + "' file '" + file + "' not found; searched:" + searched +
                                 "\nget it with: portrait models fetch " + model +
                                 "   (or: portrait models convert " + model + " SOURCE)");
    }
    verify_sha256_sidecar(p);
    return p;
}

}  // namespace portrait
