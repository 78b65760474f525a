#include "portrait/runtime/model_locator.hpp"

#include <cstdlib>
#include <mutex>
#include <set>
#include <stdexcept>

#include "portrait/runtime/data_dirs.hpp"
#include "portrait/runtime/logging.hpp"
#include "portrait/runtime/model_catalogue.hpp"
#include "portrait/runtime/sha256.hpp"

namespace portrait {
namespace fs = std::filesystem;

namespace {

// The catalogue's word on a missing model (read only on this error path).
std::string how_to_get(const std::string& model, const std::string& file) {
    ModelHint h;
    std::string where;
    try {
        const Catalogue cat = load_catalogue(default_catalogue_path());
        h = model_hint(cat, model);
        where = cat.file.string();
    } catch (const std::exception& e) {
        return "the model catalogue could not be read (" + std::string(e.what()) +
               "); put the file there with a .sha256 sidecar (sha256sum " + file + " > " + file + ".sha256)";
    }
    if (h.entry.empty())
        return "no entry of " + where + " provides '" + model + "': put the file there with a .sha256 sidecar (sha256sum " +
               file + " > " + file + ".sha256)";
    if (h.kind == "modelscope") {
        if (!h.download.empty())
            return "get it with: " + h.fetch + "   (converts your download in " + h.download.string() +
                   "; no network needed)";
        std::string dirs;
        for (const auto& d : h.download_dirs) dirs += "\n  " + d.string();
        return "get it with: " + h.fetch + "   (downloads ModelScope's " + h.source +
               "; or from a download of it: " + h.convert +
               ")\nno download of it was found; `models fetch` takes one of your own from:" + dirs;
    }
    return "get it with: " + h.fetch;
}

}  // namespace

struct ModelLocator::Found {
    std::mutex mutex;
    std::set<std::string> entries;
};

ModelLocator::ModelLocator(std::vector<fs::path> pipeline_dirs)
    : dirs_(std::move(pipeline_dirs)), found_(std::make_shared<Found>()) {
    for (auto& d : env_path_list("PORTRAIT_MODELS")) dirs_.push_back(std::move(d));
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
                                 "\n" + how_to_get(model, file));
    }
    const SidecarCheck check = check_sha256_sidecar(p);
    if (check.result != SidecarCheck::Ok) throw std::runtime_error(check.message);
    std::lock_guard<std::mutex> lock(found_->mutex);
    found_->entries.insert(model + "/" + file + " " + check.actual);
    return p;
}

std::vector<std::string> ModelLocator::found() const {
    std::lock_guard<std::mutex> lock(found_->mutex);
    return {found_->entries.begin(), found_->entries.end()};
}

}  // namespace portrait
