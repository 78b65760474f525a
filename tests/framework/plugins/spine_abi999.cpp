// A hand-made descriptor claiming plugin ABI 999: the host must refuse it before it
// reads anything past the leading C fields or calls into the plugin.
#include <cstddef>
#include <cstdint>

namespace {
struct Descriptor {  // the leading fields of portrait::PluginDescriptor
    std::uint32_t struct_size;
    std::uint32_t abi_version;
    const char* sdk_version;
    const char* toolchain;
};
const Descriptor kDescriptor{sizeof(Descriptor), 999, "99.0.0", "from the future"};
}  // namespace

extern "C" __attribute__((visibility("default"))) const Descriptor* portrait_plugin_entry() noexcept {
    return &kDescriptor;
}
