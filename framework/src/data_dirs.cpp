#include "portrait/runtime/data_dirs.hpp"

#include "portrait/runtime/plugin_registry.hpp"

namespace portrait {
namespace fs = std::filesystem;

std::vector<fs::path> data_dirs() {
    return {(executable_dir() / PORTRAIT_DATA_RELDIR).lexically_normal(), fs::path(PORTRAIT_SOURCE_DIR)};
}

fs::path find_data(const fs::path& relative) {
    std::error_code ec;
    for (const auto& d : data_dirs())
        if (fs::exists(d / relative, ec)) return d / relative;
    return {};
}

}  // namespace portrait
