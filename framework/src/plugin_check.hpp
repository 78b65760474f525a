// Opening one plugin file and checking that it is what it claims, step by step, with
// the reason it is refused. The same code runs in the scan child (plugin_scan.cpp),
// where a crash only ends the child, and then in the host.
#pragma once

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
// calls its registration and checks what it registered.
InspectedPlugin inspect_plugin(const std::filesystem::path& file, boost::dll::shared_library& lib);

}  // namespace portrait::detail
