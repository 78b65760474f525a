#include "shared_registry.hpp"

#include <algorithm>

#include "portrait/runtime/plugin_trust.hpp"

namespace portrait::studio {

void SharedRegistry::load_defaults() { load_folders(PluginRegistry::default_search_path()); }

void SharedRegistry::load_folders(const std::vector<std::filesystem::path>& dirs) {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    for (const auto& d : dirs) {
        const auto norm = d.lexically_normal();
        if (std::find(loaded_dirs_.begin(), loaded_dirs_.end(), norm) != loaded_dirs_.end()) continue;
        loaded_dirs_.push_back(norm);
        registry_.load_directory(norm);  // it logs each refusal itself
    }
    // The window shows every stage's parameters, and readers iterate stages() under the
    // shared lock: load what was indexed now, while the lock is exclusive.
    registry_.stages();
}

void SharedRegistry::load_pipeline_folders(const PipelineConfig& config) {
    std::unique_lock<std::shared_mutex> lock(mutex_);
    std::vector<std::filesystem::path> fresh;
    for (const auto& d : config.plugin_paths) {
        const auto norm = d.lexically_normal();
        if (std::find(loaded_dirs_.begin(), loaded_dirs_.end(), norm) != loaded_dirs_.end()) continue;
        loaded_dirs_.push_back(norm);
        fresh.push_back(norm);
    }
    // The registry logs each refusal itself.
    registry_.load_pipeline_folders(fresh, config.file, pipeline_plugins_allowed_by_environment());
    registry_.stages();  // as in load_folders
}

}  // namespace portrait::studio
