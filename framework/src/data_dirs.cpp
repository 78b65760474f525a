#include "portrait/runtime/data_dirs.hpp"

#include <cstdlib>
#include <string>

#include "portrait/runtime/plugin_registry.hpp"

namespace portrait {
namespace fs = std::filesystem;

std::vector<fs::path> data_dirs() {
    std::vector<fs::path> dirs;
    if (const fs::path exe = executable_dir(); !exe.empty())
        dirs.push_back((exe / PORTRAIT_DATA_RELDIR).lexically_normal());
    dirs.emplace_back(PORTRAIT_SOURCE_DIR);
    return dirs;
}

std::vector<fs::path> env_path_list(const char* variable) {
    std::vector<fs::path> dirs;
    const char* env = std::getenv(variable);
    if (!env) return dirs;
    const std::string s(env);
    std::size_t start = 0;
    while (start <= s.size()) {
        std::size_t end = s.find(':', start);
        if (end == std::string::npos) end = s.size();
        if (end > start) dirs.emplace_back(s.substr(start, end - start));
        start = end + 1;
    }
    return dirs;
}

fs::path find_data(const fs::path& relative) {
    std::error_code ec;
    for (const auto& d : data_dirs())
        if (fs::exists(d / relative, ec)) return d / relative;
    return {};
}

}  // namespace portrait
