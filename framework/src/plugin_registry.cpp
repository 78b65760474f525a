#include "portrait/runtime/plugin_registry.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>
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

void PluginRegistry::refuse(const fs::path& path, std::string reason) {
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
        load_file(f);
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

bool PluginRegistry::load_file(const fs::path& file) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(file, ec);
    if (std::find(loaded_.begin(), loaded_.end(), canonical) != loaded_.end()) return true;

    // A child process loads and registers it first, so that a plugin that crashes,
    // hangs or exits while loading is refused instead of taking the host down.
    // Files that passed before, unchanged, are not scanned again.
    if (!detail::scan_cache_has(file)) {
        if (std::string why = detail::scan_plugin_in_child(file); !why.empty()) {
            refuse(file, why);
            return false;
        }
        detail::scan_cache_add(file);
    }

    // Plugins are never unloaded (LibTorch and static destructors crash at unload), so the
    // library objects live in a list that is never destroyed: kept, and reachable, so the
    // sanitizer build's leak check does not report them.
    static std::mutex kept_mutex;
    static auto* const kept = new std::vector<std::unique_ptr<boost::dll::shared_library>>();
    boost::dll::shared_library* lib = nullptr;
    {
        std::lock_guard<std::mutex> lock(kept_mutex);
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

    for (const auto& s : r.stages)
        if (std::string why = detail::stage_spec_problem(s.spec); !why.empty()) {
            refuse(file, why);
            return false;
        }
    for (const auto& s : r.stages) {
        auto it = stages_.find(s.spec.name);
        if (it != stages_.end()) {
            refuse(file, "stage '" + s.spec.name + "' is already provided by " + it->second.plugin->path.string() +
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
    if (detail::descriptor_torch(d)) detail::attach_torch();
    plugins_.push_back(info);
    loaded_.push_back(canonical);
    host_logger().debug("loaded plugin {} {} from {}", info->name, info->version, info->path.string());
    return true;
}

const StageEntry* PluginRegistry::find(const std::string& stage) const {
    auto it = stages_.find(stage);
    return it == stages_.end() ? nullptr : &it->second;
}

std::vector<std::string> PluginRegistry::stage_names() const {
    std::vector<std::string> names;
    for (const auto& [name, _] : stages_) names.push_back(name);
    return names;
}

}  // namespace portrait
