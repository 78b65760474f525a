// Finds, checks and loads stage plugins (.so files) and indexes their stages.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "portrait/plugin.hpp"

namespace portrait {

struct PluginInfo {
    std::string name, version, license, description, sdk_version;
    std::filesystem::path path;
};

struct StageEntry {
    StageSpec spec;
    StageVTable vtable;
    std::shared_ptr<const PluginInfo> plugin;
};

// A file that was not loaded, and why.
struct PluginRefusal {
    std::filesystem::path path;
    std::string reason;
};

class PluginRegistry {
public:
    // Loads every "*.so" in `dir` (not recursive). A missing folder is not an error.
    void load_directory(const std::filesystem::path& dir);
    // Loads one plugin file; on refusal records the reason and returns false.
    bool load_file(const std::filesystem::path& file);

    const StageEntry* find(const std::string& stage) const;
    std::vector<std::string> stage_names() const;
    std::vector<std::shared_ptr<const PluginInfo>> plugins() const { return plugins_; }
    const std::vector<PluginRefusal>& refusals() const { return refusals_; }
    const std::map<std::string, StageEntry>& stages() const { return stages_; }

    // The build's or install's own plugin folder (next to the executable), then
    // PORTRAIT_PLUGIN_PATH (colon-separated). Never the current directory.
    static std::vector<std::filesystem::path> default_search_path();

private:
    void refuse(const std::filesystem::path& path, std::string reason);
    std::map<std::string, StageEntry> stages_;
    std::vector<std::shared_ptr<const PluginInfo>> plugins_;
    std::vector<PluginRefusal> refusals_;
    std::vector<std::filesystem::path> loaded_;
};

// Directory of the running executable (for finding plugins and data beside it).
std::filesystem::path executable_dir();

}  // namespace portrait
