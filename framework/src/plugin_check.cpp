#include "plugin_check.hpp"

#include <dlfcn.h>

#include <set>

#include <torch/version.h>

#include "stage_spec_check.hpp"
#include "toolchain_diff.hpp"

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

constexpr int kMinors = int(sizeof(descriptor_sizes) / sizeof(descriptor_sizes[0]));

std::string abi_name(int minor) {
    return std::to_string(PORTRAIT_PLUGIN_ABI_VERSION) + "." + std::to_string(minor);
}

// struct_size against the revisions of this ABI: "" when it is one of them.
std::string size_problem(std::uint32_t size) {
    std::string known;
    for (int m = 0; m < kMinors; ++m)
        known += (m ? ", " : "") + std::to_string(descriptor_sizes[m]) + " for " + abi_name(m);
    const std::string of = "descriptor of " + std::to_string(size) + " bytes";
    if (size < descriptor_sizes[0])
        return of + " is too small: an ABI " + std::to_string(PORTRAIT_PLUGIN_ABI_VERSION) + " descriptor has at least " +
               std::to_string(descriptor_sizes[0]) + " (" + known + ")";
    if (size > descriptor_sizes[kMinors - 1])
        return of + " is newer than this host's ABI " + abi_name(kMinors - 1) + " (" + known +
               "): built against a newer portrait SDK; update portrait or rebuild the plugin against portrait " +
               PORTRAIT_VERSION_STRING;
    if (descriptor_minor(size) < 0) return of + " is no revision of ABI " + abi_name(kMinors - 1) + " (" + known + ")";
    return {};
}

// The descriptor's fields, read only as far as the ABI is known to match.
std::string descriptor_problem(const PluginDescriptor* d) {
    if (!d) return "entry point returned no descriptor";
    // abi_version follows struct_size: both are there in every descriptor of every ABI.
    if (d->abi_version != PORTRAIT_PLUGIN_ABI_VERSION)
        return "built for plugin ABI " + std::to_string(d->abi_version) + ", this host has ABI " +
               std::to_string(PORTRAIT_PLUGIN_ABI_VERSION) + "; rebuild it against portrait " + PORTRAIT_VERSION_STRING;
    if (std::string why = size_problem(d->struct_size); !why.empty()) return why;
    if (!d->toolchain) return "descriptor has no toolchain string";
    if (std::string diff = toolchain_differences(d->toolchain, PORTRAIT_TOOLCHAIN); !diff.empty())
        return "built with another toolchain (" + diff + "); C++ types cannot be shared, rebuild the plugin (plugin '" +
               d->toolchain + "', host '" PORTRAIT_TOOLCHAIN "')";
    if (const char* t = descriptor_torch(d); t && std::string(t) != TORCH_VERSION)
        return std::string("built against LibTorch ") + t + ", this host uses LibTorch " TORCH_VERSION
               "; tensors and modules cannot be shared, rebuild the plugin against the host's LibTorch";
    if (!d->name || !*d->name) return "descriptor has no plugin name";
    if (!d->version) return "descriptor has no version string";
    if (!d->register_stages) return "descriptor has no registration function";
    return {};
}

std::string stages_problem(const std::vector<StageEntry>& stages) {
    std::set<std::string> names;
    for (const auto& s : stages) {
        if (s.spec.name.empty()) return "registered a stage without a name";
        const StageVTable& v = s.vtable;
        if (!v.create || !v.process || !v.memory_estimate || !v.destroy)
            return "stage '" + s.spec.name + "' was registered with a null function";
        if (!names.insert(s.spec.name).second) return "registered stage '" + s.spec.name + "' twice";
    }
    // Checked here, so the scan child refuses a self-contradicting spec too.
    for (const auto& s : stages)
        if (std::string why = stage_spec_problem(s.spec); !why.empty()) return why;
    return {};
}

}  // namespace

int descriptor_minor(std::uint32_t struct_size) {
    for (int m = kMinors - 1; m >= 0; --m)
        if (struct_size == descriptor_sizes[m]) return m;
    return -1;
}

const char* descriptor_torch(const PluginDescriptor* d) {
    return descriptor_minor(d->struct_size) >= 1 ? d->torch : nullptr;
}

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
