// Opening one plugin file and checking that it is what it claims, step by step, with
// the reason it is refused. The same code runs in the scan child (plugin_scan.cpp),
// where a crash only ends the child, and then in the host.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <boost/dll/shared_library.hpp>

#include "portrait/runtime/plugin_registry.hpp"

namespace portrait::detail {

struct InspectedPlugin {
    const PluginDescriptor* descriptor = nullptr;
    std::vector<StageEntry> stages;  // registered into a scratch list, plugin info unset
    std::string problem;             // empty when the plugin may be used
};

// Loads `file` into `lib`, reads its descriptor, checks every field the host relies on,
// calls its registration and checks what it registered (stage_spec_check.hpp).
InspectedPlugin inspect_plugin(const std::filesystem::path& file, boost::dll::shared_library& lib);

// The minor revision of this ABI's descriptor that has `struct_size` bytes, or -1.
int descriptor_minor(std::uint32_t struct_size);
// The descriptor's LibTorch version: null for a plugin without LibTorch, or of
// revision 3.0, which has no such field (the host never reads past struct_size).
const char* descriptor_torch(const PluginDescriptor* d);

}  // namespace portrait::detail
