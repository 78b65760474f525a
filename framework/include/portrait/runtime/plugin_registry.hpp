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
    bool torch = false;  // links LibTorch (its descriptor names a LibTorch version)
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

// Plugin files found in folders are indexed, not loaded: the scan child (or its cache,
// for files that passed before and have not changed) tells which stages each provides,
// and a file is loaded into the process the first time one of its stages is looked up.
// So a pipeline loads only the plugins whose stages it names, and a tone-only pipeline
// never brings LibTorch in. Duplicate stage names are refused when indexing.
class PluginRegistry {
public:
    PluginRegistry();
    ~PluginRegistry();
    PluginRegistry(PluginRegistry&&) noexcept;
    PluginRegistry& operator=(PluginRegistry&&) noexcept;

    // Indexes every "*.so" in `dir` (not recursive). A missing folder is not an error.
    // `check_owner`: refuse files another user could have written (plugin_trust.hpp).
    void load_directory(const std::filesystem::path& dir, bool check_owner = false);
    // A pipeline file's plugin_paths: loaded only when `allowed` (the user opted in with
    // --allow-pipeline-plugins or PORTRAIT_ALLOW_PIPELINE_PLUGINS=1) and when the file,
    // the folders and the plugins are the user's or root's and nobody else can write
    // them. Every refused folder or file is recorded with the reason.
    void load_pipeline_folders(const std::vector<std::filesystem::path>& dirs,
                               const std::filesystem::path& pipeline_file, bool allowed);
    // Loads one plugin file now; on refusal records the reason and returns false. The
    // file is first loaded and registered in a child process, so one that crashes, hangs
    // or exits there is refused without harm to the host.
    bool load_file(const std::filesystem::path& file);

    // The stage, loading the plugin that provides it if it is not loaded yet; null when
    // no plugin provides it (or its plugin was refused when loaded). Thread-safe.
    const StageEntry* find(const std::string& stage) const;
    // Every stage name, loaded or only indexed.
    std::vector<std::string> stage_names() const;
    // These three load every indexed plugin first: they describe all of them.
    std::vector<std::shared_ptr<const PluginInfo>> plugins() const;
    const std::map<std::string, StageEntry>& stages() const;
    const std::vector<PluginRefusal>& refusals() const { return refusals_; }
    // The plugins loaded into the process so far (not those only indexed).
    std::vector<std::shared_ptr<const PluginInfo>> loaded_plugins() const;

    // The build's or install's own plugin folder (next to the executable), then
    // PORTRAIT_PLUGIN_PATH (colon-separated). Never the current directory.
    static std::vector<std::filesystem::path> default_search_path();

private:
    struct State;
    bool index_file(const std::filesystem::path& file);
    bool load_indexed(std::filesystem::path canonical) const;
    void load_all() const;
    void refuse(const std::filesystem::path& path, std::string reason) const;
    // Mutable: looking a stage up may load its plugin.
    mutable std::map<std::string, StageEntry> stages_;
    mutable std::vector<std::shared_ptr<const PluginInfo>> plugins_;
    mutable std::vector<PluginRefusal> refusals_;
    std::unique_ptr<State> state_;  // indexed files and the lock
};

// Directory of the running executable (for finding plugins and data beside it); empty
// when it cannot be told (no /proc): callers then skip it, never use the current folder.
std::filesystem::path executable_dir();
// The same, from a given "/proc/self/exe"-like link (tests).
std::filesystem::path executable_dir(const std::filesystem::path& proc_exe_link);

}  // namespace portrait
