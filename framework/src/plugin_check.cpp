#include "plugin_check.hpp"

#include <dlfcn.h>

namespace portrait::detail {
namespace fs = std::filesystem;

namespace {

// Registers a plugin's stages into a scratch list; committed only if all are valid.
class CollectingRegistrar : public StageRegistrar {
public:
    void add_stage(const StageSpec& spec, const StageVTable& vtable) override {
        stages.push_back({spec, vtable, nullptr});
    }
    std::vector<StageEntry> stages;
};

// The descriptor's fields, read only as far as the ABI is known to match.
std::string descriptor_problem(const PluginDescriptor* d) {
    if (!d) return "entry point returned no descriptor";
    if (d->abi_version != PORTRAIT_PLUGIN_ABI_VERSION)
        return "built for plugin ABI " + std::to_string(d->abi_version) + ", this host has ABI " +
               std::to_string(PORTRAIT_PLUGIN_ABI_VERSION) + "; rebuild it against portrait " + PORTRAIT_VERSION_STRING;
    if (d->struct_size < sizeof(PluginDescriptor))
        return "descriptor too small (" + std::to_string(d->struct_size) + " bytes)";
    if (!d->toolchain) return "descriptor has no toolchain string";
    if (std::string(d->toolchain) != PORTRAIT_TOOLCHAIN)
        return std::string("built with toolchain '") + d->toolchain + "', host uses '" PORTRAIT_TOOLCHAIN
               "'; C++ types cannot be shared, rebuild the plugin";
    if (!d->name || !*d->name) return "descriptor has no plugin name";
    if (!d->version) return "descriptor has no version string";
    if (!d->register_stages) return "descriptor has no registration function";
    return {};
}

std::string stages_problem(const std::vector<StageEntry>& stages) {
    for (const auto& s : stages) {
        if (s.spec.name.empty()) return "registered a stage without a name";
        const StageVTable& v = s.vtable;
        if (!v.create || !v.process || !v.memory_estimate || !v.destroy)
            return "stage '" + s.spec.name + "' was registered with a null function";
    }
    return {};
}

}  // namespace

InspectedPlugin inspect_plugin(const fs::path& file, boost::dll::shared_library& lib) {
    InspectedPlugin r;
    boost::dll::fs::error_code lec;
    lib.load(file, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, lec);
    if (lec) {
        // Boost reports a generic code; dlopen again for the loader's own words.
        std::string why = lec.message();
        if (void* h = dlopen(file.c_str(), RTLD_NOW | RTLD_LOCAL); h == nullptr) {
            if (const char* dl = dlerror()) why = dl;
        }
        r.problem = "not loadable: " + why;
        return r;
    }
    if (!lib.has(PORTRAIT_ENTRY_NAME)) {
        r.problem = "not a portrait plugin (no '" PORTRAIT_ENTRY_NAME "' entry point)";
        return r;
    }
    auto entry = lib.get<const PluginDescriptor*() noexcept>(PORTRAIT_ENTRY_NAME);
    r.descriptor = entry();
    r.problem = descriptor_problem(r.descriptor);
    if (!r.problem.empty()) return r;

    CollectingRegistrar reg;
    char err[1024] = {0};
    if (r.descriptor->register_stages(&reg, err, sizeof err) != 0) {
        err[sizeof err - 1] = '\0';
        r.problem = std::string("registration failed: ") + err;
        return r;
    }
    r.problem = stages_problem(reg.stages);
    r.stages = std::move(reg.stages);
    return r;
}

}  // namespace portrait::detail
