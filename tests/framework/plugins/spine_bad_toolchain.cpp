// The right ABI number but another toolchain fingerprint (another compiler, libstdc++
// ABI or OpenCV): C++ types cannot be shared, so the host must refuse it.
#include <portrait/plugin.hpp>

extern "C" __attribute__((visibility("default"))) const portrait::PluginDescriptor* portrait_plugin_entry() noexcept {
    static const portrait::PluginDescriptor d{sizeof(portrait::PluginDescriptor), PORTRAIT_PLUGIN_ABI_VERSION,
                                              PORTRAIT_VERSION_STRING, "gcc=1.0;cxx11abi=0;std=199711L;opencv=2.4.0",
                                              "spine_bad_toolchain", "1.0.0", "MIT", "wrong toolchain", nullptr, nullptr};
    return &d;
}
