#include "portrait/runtime/plugin_registry.hpp"

#include <boost/dll/shared_library.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <system_error>
#include <dlfcn.h>

#include "portrait/runtime/data_dirs.hpp"
#include "portrait/runtime/logging.hpp"

namespace portrait {
namespace fs = std::filesystem;

fs::path executable_dir() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    return ec ? fs::current_path() : exe.parent_path();
}

std::vector<fs::path> PluginRegistry::default_search_path() {
    std::vector<fs::path> dirs{(executable_dir() / PORTRAIT_PLUGIN_RELDIR).lexically_normal()};
    for (auto& d : env_path_list("PORTRAIT_PLUGIN_PATH")) dirs.push_back(std::move(d));
    return dirs;
}

void PluginRegistry::refuse(const fs::path& path, std::string reason) {
    host_logger().warn("plugin refused: {}: {}", path.string(), reason);
    refusals_.push_back({path, std::move(reason)});
}

void PluginRegistry::load_directory(const fs::path& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().extension() == ".so" && e.is_regular_file(ec)) files.push_back(e.path());
    std::sort(files.begin(), files.end());  // deterministic order, so duplicates report stably
    for (const auto& f : files) load_file(f);
}

namespace {

// Registers a plugin's stages into a scratch list; committed only if all are valid.
class CollectingRegistrar : public StageRegistrar {
public:
    void add_stage(const StageSpec& spec, const StageVTable& vtable) override {
        stages.push_back({spec, vtable, nullptr});
    }
    std::vector<StageEntry> stages;
};

}  // namespace

bool PluginRegistry::load_file(const fs::path& file) {
    std::error_code ec;
    fs::path canonical = fs::weakly_canonical(file, ec);
    if (std::find(loaded_.begin(), loaded_.end(), canonical) != loaded_.end()) return true;

    // Plugins are never unloaded (LibTorch and static destructors crash at unload),
    // so the library object is deliberately leaked.
    auto* lib = new boost::dll::shared_library();
    boost::dll::fs::error_code lec;
    lib->load(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, lec);
    if (lec) {
        // Boost reports a generic code; dlopen again for the loader's own words.
        std::string why = lec.message();
        if (void* h = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL); h == nullptr) {
            if (const char* dl = dlerror()) why = dl;
        }
        refuse(file, "not loadable: " + why);
        return false;
    }
    if (!lib->has(PORTRAIT_ENTRY_NAME)) {
        refuse(file, "not a portrait plugin (no '" PORTRAIT_ENTRY_NAME "' entry point)");
        return false;
    }
    using Entry = const PluginDescriptor* (*)() noexcept;
    Entry entry = lib->get<const PluginDescriptor*() noexcept>(PORTRAIT_ENTRY_NAME);
    const PluginDescriptor* d = entry();
    if (!d) {
        refuse(file, "entry point returned no descriptor");
        return false;
    }
    // Only the leading C fields are read until the ABI is known to match.
    if (d->abi_version != PORTRAIT_PLUGIN_ABI_VERSION) {
        refuse(file, "built for plugin ABI " + std::to_string(d->abi_version) + ", this host has ABI " +
                         std::to_string(PORTRAIT_PLUGIN_ABI_VERSION) + "; rebuild it against portrait " +
                         PORTRAIT_VERSION_STRING);
        return false;
    }
    if (d->struct_size < sizeof(PluginDescriptor)) {
        refuse(file, "descriptor too small (" + std::to_string(d->struct_size) + " bytes)");
        return false;
    }
    if (std::string(d->toolchain) != PORTRAIT_TOOLCHAIN) {
        refuse(file, std::string("built with toolchain '") + d->toolchain + "', host uses '" PORTRAIT_TOOLCHAIN
                     "'; C++ types cannot be shared, rebuild the plugin");
        return false;
    }

    auto info = std::make_shared<PluginInfo>();
    info->name = d->name ? d->name : "";
    info->version = d->version ? d->version : "";
    info->license = d->license ? d->license : "";
    info->description = d->description ? d->description : "";
    info->sdk_version = d->sdk_version ? d->sdk_version : "";
    info->path = canonical;

    CollectingRegistrar reg;
    char err[1024] = {0};
    if (d->register_stages(&reg, err, sizeof err) != 0) {
        refuse(file, std::string("registration failed: ") + err);
        return false;
    }
    for (const auto& s : reg.stages) {
        auto it = stages_.find(s.spec.name);
        if (it != stages_.end()) {
            refuse(file, "stage '" + s.spec.name + "' is already provided by " + it->second.plugin->path.string() +
                             "; duplicate stage names are refused (remove one of the two files)");
            return false;
        }
    }
    for (auto& s : reg.stages) {
        s.plugin = info;
        stages_.emplace(s.spec.name, std::move(s));
    }
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
