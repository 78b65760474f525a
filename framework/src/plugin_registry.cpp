#include "portrait/runtime/plugin_registry.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <set>
#include <system_error>

#include "plugin_check.hpp"
#include "plugin_scan.hpp"
#include "plugin_scan_cache.hpp"
#include "portrait/runtime/data_dirs.hpp"
#include "portrait/runtime/logging.hpp"
#include "portrait/runtime/plugin_trust.hpp"
#include "stage_spec_check.hpp"
#include "torch_bridge.hpp"

namespace portrait {
namespace fs = std::filesystem;

fs::path executable_dir(const fs::path& proc_exe_link) {
    std::error_code ec;
    fs::path exe = fs::read_symlink(proc_exe_link, ec);
    // Never the current directory: plugins found relative to it would be whatever the
    // folder the user happens to stand in holds.
    return ec || exe.empty() ? fs::path() : exe.parent_path();
}

fs::path executable_dir() { return executable_dir("/proc/self/exe"); }

std::vector<fs::path> PluginRegistry::default_search_path() {
    std::vector<fs::path> dirs;
    if (const fs::path exe = executable_dir(); !exe.empty()) {
        dirs.push_back((exe / PORTRAIT_PLUGIN_RELDIR).lexically_normal());
    } else {
        static std::once_flag once;
        std::call_once(once, [] {
            host_logger().warn(
                "cannot tell where the portrait executable is (/proc/self/exe is not readable): its own plugin "
                "folder is not searched; set PORTRAIT_PLUGIN_PATH");
        });
    }
    for (auto& d : env_path_list("PORTRAIT_PLUGIN_PATH")) dirs.push_back(std::move(d));
    return dirs;
}

struct PluginRegistry::State {
    struct Indexed {
        fs::path file;  // as found (named in messages)
        fs::path canonical;
    };
    std::recursive_mutex mutex;                // find() may load while another thread looks up
    std::map<std::string, Indexed> indexed;    // stage -> file that provides it, not loaded yet
    std::vector<fs::path> seen;                // canonical files indexed or loaded
    std::vector<fs::path> loaded;              // canonical files loaded into the process
    std::vector<fs::path> scanned;             // canonical files the scan child passed in this process
};

PluginRegistry::PluginRegistry() : state_(std::make_unique<State>()) {}
PluginRegistry::~PluginRegistry() = default;
PluginRegistry::PluginRegistry(PluginRegistry&&) noexcept = default;
PluginRegistry& PluginRegistry::operator=(PluginRegistry&&) noexcept = default;

void PluginRegistry::refuse(const fs::path& path, std::string reason) const {
    host_logger().warn("plugin refused: {}: {}", path.string(), reason);
    refusals_.push_back({path, std::move(reason)});
}

void PluginRegistry::load_directory(const fs::path& dir, bool check_owner) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().extension() == ".so" && e.is_regular_file(ec)) files.push_back(e.path());
    std::sort(files.begin(), files.end());  // deterministic order, so duplicates report stably
    for (const auto& f : files) {
        if (check_owner) {
            if (std::string why = unsafe_ownership(f); !why.empty()) {
                refuse(f, why);
                continue;
            }
        }
        index_file(f);
    }
}

void PluginRegistry::load_pipeline_folders(const std::vector<fs::path>& dirs, const fs::path& pipeline_file,
                                           bool allowed) {
    for (const auto& dir : dirs) {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) continue;
        if (std::string why = pipeline_plugin_folder_refusal(dir, pipeline_file, allowed); !why.empty()) {
            refuse(dir, why);
            continue;
        }
        load_directory(dir, true);
    }
}

bool PluginRegistry::index_file(const fs::path& file) {
    std::lock_guard<std::recursive_mutex> lock(state_->mutex);
    std::error_code ec;
    const fs::path canonical = fs::weakly_canonical(file, ec);
    if (std::find(state_->seen.begin(), state_->seen.end(), canonical) != state_->seen.end()) return true;

    // A child process loads and registers it first, so that a plugin that crashes,
    // hangs or exits while loading is refused instead of taking the host down; it
    // answers with the stage names. Files that passed before, unchanged, are not
    // scanned again: the cache remembers their names.
    std::vector<std::string> names;
    if (auto cached = detail::scan_cache_stages(file)) {
        names = std::move(*cached);
    } else {
        detail::ScanResult r = detail::scan_plugin_in_child(file);
        if (!r.problem.empty()) {
            refuse(file, r.problem);
            return false;
        }
        names = std::move(r.stages);
        detail::scan_cache_add(file, names);
        state_->scanned.push_back(canonical);
    }
    for (const auto& n : names) {
        fs::path other;
        if (auto it = stages_.find(n); it != stages_.end()) other = it->second.plugin->path;
        if (auto it = state_->indexed.find(n); it != state_->indexed.end()) other = it->second.canonical;
        if (!other.empty()) {
            refuse(file, "stage '" + n + "' is already provided by " + other.string() +
                             "; duplicate stage names are refused (remove one of the two files)");
            return false;
        }
    }
    for (const auto& n : names) state_->indexed[n] = {file, canonical};
    state_->seen.push_back(canonical);
    return true;
}

bool PluginRegistry::load_file(const fs::path& file) {
    std::lock_guard<std::recursive_mutex> lock(state_->mutex);
    if (!index_file(file)) return false;
    std::error_code ec;
    return load_indexed(fs::weakly_canonical(file, ec));
}

// By value: it erases the index entries a caller may have named it from.
bool PluginRegistry::load_indexed(fs::path canonical) const {
    std::lock_guard<std::recursive_mutex> lock(state_->mutex);
    if (std::find(state_->loaded.begin(), state_->loaded.end(), canonical) != state_->loaded.end()) return true;
    fs::path file = canonical;
    for (auto it = state_->indexed.begin(); it != state_->indexed.end();) {
        if (it->second.canonical == canonical) {
            file = it->second.file;
            it = state_->indexed.erase(it);
        } else {
            ++it;
        }
    }
    state_->loaded.push_back(canonical);  // loaded or refused: never tried twice

    // Changed since it was indexed (or passed only from a cache entry that is gone): the
    // scan child checks it again before the host loads it.
    const bool scanned_here =
        std::find(state_->scanned.begin(), state_->scanned.end(), canonical) != state_->scanned.end();
    if (!scanned_here && !detail::scan_cache_stages(file)) {
        detail::ScanResult r = detail::scan_plugin_in_child(file);
        if (!r.problem.empty()) {
            refuse(file, r.problem);
            return false;
        }
        detail::scan_cache_add(file, r.stages);
    }

    // Plugins are never unloaded (LibTorch and static destructors crash at unload), so the
    // library objects live in a list that is never destroyed: kept, and reachable, so the
    // sanitizer build's leak check does not report them.
    static std::mutex kept_mutex;
    static auto* const kept = new std::vector<std::unique_ptr<boost::dll::shared_library>>();
    boost::dll::shared_library* lib = nullptr;
    {
        std::lock_guard<std::mutex> kept_lock(kept_mutex);
        lib = kept->emplace_back(std::make_unique<boost::dll::shared_library>()).get();
    }
    detail::InspectedPlugin r = detail::inspect_plugin(file, *lib);
    if (!r.problem.empty()) {
        refuse(file, r.problem);
        return false;
    }
    const PluginDescriptor* d = r.descriptor;
    auto info = std::make_shared<PluginInfo>();
    info->name = d->name;
    info->version = d->version;
    info->license = d->license ? d->license : "";
    info->description = d->description ? d->description : "";
    info->sdk_version = d->sdk_version ? d->sdk_version : "";
    info->path = canonical;
    info->torch = detail::descriptor_torch(d) != nullptr;

    for (const auto& s : r.stages) {
        auto it = stages_.find(s.spec.name);
        auto ix = state_->indexed.find(s.spec.name);
        if (it != stages_.end() || ix != state_->indexed.end()) {
            const fs::path other = it != stages_.end() ? it->second.plugin->path : ix->second.canonical;
            refuse(file, "stage '" + s.spec.name + "' is already provided by " + other.string() +
                             "; duplicate stage names are refused (remove one of the two files)");
            return false;
        }
    }
    for (auto& s : r.stages) {
        s.plugin = info;
        stages_.emplace(s.spec.name, std::move(s));
    }
    // The first plugin that links LibTorch brings it into the process: now its thread
    // count can be set (resources.threads), which the host could not do before.
    if (info->torch) detail::attach_torch();
    plugins_.push_back(info);
    host_logger().debug("loaded plugin {} {} from {}", info->name, info->version, info->path.string());
    return true;
}

void PluginRegistry::load_all() const {
    std::lock_guard<std::recursive_mutex> lock(state_->mutex);
    std::vector<fs::path> files;
    for (const auto& [_, ix] : state_->indexed)
        if (std::find(files.begin(), files.end(), ix.canonical) == files.end()) files.push_back(ix.canonical);
    for (const auto& f : files) load_indexed(f);
}

const StageEntry* PluginRegistry::find(const std::string& stage) const {
    std::lock_guard<std::recursive_mutex> lock(state_->mutex);
    if (auto ix = state_->indexed.find(stage); ix != state_->indexed.end()) load_indexed(ix->second.canonical);
    auto it = stages_.find(stage);
    return it == stages_.end() ? nullptr : &it->second;
}

std::vector<std::string> PluginRegistry::stage_names() const {
    std::lock_guard<std::recursive_mutex> lock(state_->mutex);
    std::set<std::string> names;
    for (const auto& [name, _] : stages_) names.insert(name);
    for (const auto& [name, _] : state_->indexed) names.insert(name);
    return {names.begin(), names.end()};
}

std::vector<std::shared_ptr<const PluginInfo>> PluginRegistry::plugins() const {
    load_all();
    std::lock_guard<std::recursive_mutex> lock(state_->mutex);
    return plugins_;
}

const std::map<std::string, StageEntry>& PluginRegistry::stages() const {
    load_all();
    return stages_;
}

std::vector<std::shared_ptr<const PluginInfo>> PluginRegistry::loaded_plugins() const {
    std::lock_guard<std::recursive_mutex> lock(state_->mutex);
    return plugins_;
}

}  // namespace portrait
