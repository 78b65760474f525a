// How much memory this machine gives the process: physical memory, lowered by the cgroup
// limit a container or systemd slice sets. The default memory budget is half of it.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

#include <unistd.h>

#include "portrait/runtime/resources.hpp"

namespace portrait {
namespace fs = std::filesystem;

namespace {

// A limit file's value: bytes, or 0 for "max", a missing file or v1's "unlimited" (a
// number near 2^63).
std::size_t read_limit(const fs::path& file) {
    std::ifstream in(file);
    std::string text;
    if (!(in >> text) || text == "max") return 0;
    try {
        const unsigned long long v = std::stoull(text);
        return v >= (1ull << 62) ? 0 : std::size_t(v);
    } catch (const std::exception&) {
        return 0;
    }
}

// The lowest non-zero limit in the cgroup folder `rel` and its ancestors up to the mount
// `root`. A path that is not under the mount (a container's own view) still reaches its root.
std::size_t lowest_limit(const fs::path& root, const std::string& rel, const std::string& file) {
    std::vector<fs::path> parts;
    for (const auto& p : fs::path(rel).relative_path())
        if (!p.empty() && p != ".") parts.push_back(p);
    std::size_t lowest = 0;
    for (std::size_t n = parts.size() + 1; n-- > 0;) {
        fs::path dir = root;
        for (std::size_t i = 0; i < n; ++i) dir /= parts[i];
        const std::size_t v = read_limit(dir / file);
        if (v && (!lowest || v < lowest)) lowest = v;
    }
    return lowest;
}

}  // namespace

std::size_t cgroup_memory_limit(const fs::path& root, const std::string& self_cgroup) {
    std::size_t lowest = 0;
    auto take = [&](std::size_t v) {
        if (v && (!lowest || v < lowest)) lowest = v;
    };
    std::istringstream lines(self_cgroup);
    std::string line;
    while (std::getline(lines, line)) {
        // hierarchy-id:controllers:path; v2 is "0::path".
        const auto a = line.find(':'), b = line.find(':', a == std::string::npos ? a : a + 1);
        if (a == std::string::npos || b == std::string::npos) continue;
        const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
        if (controllers.empty()) {
            take(lowest_limit(root, path, "memory.max"));
        } else if (("," + controllers + ",").find(",memory,") != std::string::npos) {
            take(lowest_limit(root / "memory", path, "memory.limit_in_bytes"));
        }
    }
    return lowest;
}

std::size_t machine_memory_bytes() {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    std::size_t bytes = pages > 0 && page > 0 ? std::size_t(pages) * std::size_t(page) : 0;
    std::ifstream in("/proc/self/cgroup");
    std::stringstream text;
    text << in.rdbuf();
    const std::size_t cgroup = cgroup_memory_limit("/sys/fs/cgroup", text.str());
    if (cgroup && (!bytes || cgroup < bytes)) bytes = cgroup;
    return bytes;
}

std::size_t default_memory_limit() {
    static const std::size_t limit = machine_memory_bytes() / 2;
    return limit;
}

}  // namespace portrait
