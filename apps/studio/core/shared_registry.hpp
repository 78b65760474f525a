// The plugin registry shared by the window (which binds the feature sliders to stage
// parameters) and the processing thread (which validates pipelines against it). Plugins
// are only ever added, and std::map keeps entries in place, so a Runner's StageEntry
// pointers stay valid; the lock only guards lookups against a concurrent load.
#pragma once

#include <filesystem>
#include <functional>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "portrait/runtime/pipeline_config.hpp"
#include "portrait/runtime/plugin_registry.hpp"

namespace portrait::studio {

class SharedRegistry {
public:
    // Loads the default search path (beside the executable, then PORTRAIT_PLUGIN_PATH).
    void load_defaults();
    // Loads the folders not loaded yet (trusted ones: the default search path).
    void load_folders(const std::vector<std::filesystem::path>& dirs);
    // A pipeline's plugin_paths, under the host's rules for them (plugin_trust.hpp):
    // the Studio's opt-in is PORTRAIT_ALLOW_PIPELINE_PLUGINS=1.
    void load_pipeline_folders(const PipelineConfig& config);
    // Runs `fn` with the registry held against loads.
    template <class Fn>
    auto read(Fn&& fn) const {
        std::shared_lock<std::shared_mutex> lock(mutex_);
        return fn(static_cast<const PluginRegistry&>(registry_));
    }

private:
    mutable std::shared_mutex mutex_;
    PluginRegistry registry_;
    std::vector<std::filesystem::path> loaded_dirs_;
};

}  // namespace portrait::studio
