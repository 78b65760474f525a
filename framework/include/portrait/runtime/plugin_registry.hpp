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
    // `check_owner`: refuse files another user could have written (plugin_trust.hpp).
    void load_directory(const std::filesystem::path& dir, bool check_owner = false);
    // A pipeline file's plugin_paths: loaded only when `allowed` (the user opted in with
    // --allow-pipeline-plugins or PORTRAIT_ALLOW_PIPELINE_PLUGINS=1) and when the file,
    // the folders and the plugins are the user's or root's and nobody else can write
    // them. Every refused folder or file is recorded with the reason.
    void load_pipeline_folders(const std::vector<std::filesystem::path>& dirs,
                               const std::filesystem::path& pipeline_file, bool allowed);
    // Loads one plugin file; on refusal records the reason and returns false. The file
    // is first loaded and registered in a child process, so one that crashes, hangs or
    // exits there is refused without harm to the host.
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

// Directory of the running executable (for finding plugins and data beside it); empty
// when it cannot be told (no /proc): callers then skip it, never use the current folder.
std::filesystem::path executable_dir();
// The same, from a given "/proc/self/exe"-like link (tests).
std::filesystem::path executable_dir(const std::filesystem::path& proc_exe_link);

}  // namespace portrait
