#include "plugin_scan_cache.hpp"

#include <fstream>
#include <mutex>
#include <sstream>
#include <string>

#include <sys/stat.h>

#include "plugin_scan.hpp"
#include "portrait/plugin.hpp"
#include "portrait/runtime/image_io.hpp"
#include "portrait/runtime/logging.hpp"

namespace portrait::detail {
namespace fs = std::filesystem;

namespace {

// Results of another host version or toolchain do not count.
const std::string kHeader = std::string("portrait plugin scan cache 2; host ") + PORTRAIT_VERSION_STRING + "; abi " +
                            std::to_string(PORTRAIT_PLUGIN_ABI_VERSION) + "; " + PORTRAIT_TOOLCHAIN;

fs::path cache_file() { return cache_dir() / "plugin-scan.txt"; }

// A line is: size, mtime in ns, inode, device, stage names (comma-separated), canonical
// path, tab-separated; the path last, as it may hold any byte but a newline.
struct Key {
    std::string identity;  // size .. device, with a trailing tab; empty when not a file
    std::string path;
};

Key key_of(const fs::path& file) {
    std::error_code ec;
    const fs::path real = fs::canonical(file, ec);
    struct stat st {};
    if (ec || ::stat(real.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
    if (real.string().find('\n') != std::string::npos) return {};  // would break the line format
    std::ostringstream k;
    k << st.st_size << '\t' << st.st_mtim.tv_sec << '.' << st.st_mtim.tv_nsec << '\t' << st.st_ino << '\t'
      << st.st_dev << '\t';
    return {k.str(), real.string()};
}

// The line's parts after the identity: the stage list and the path.
struct Parsed {
    std::string identity, stages, path;
};

std::optional<Parsed> parse(const std::string& line) {
    std::size_t pos = 0;
    for (int field = 0; field < 4; ++field) {
        pos = line.find('\t', pos);
        if (pos == std::string::npos) return std::nullopt;
        ++pos;
    }
    const std::size_t tab = line.find('\t', pos);
    if (tab == std::string::npos) return std::nullopt;
    return Parsed{line.substr(0, pos), line.substr(pos, tab - pos), line.substr(tab + 1)};
}

std::mutex g_mutex;

std::vector<std::string> read_lines() {
    std::vector<std::string> lines;
    std::ifstream in(cache_file());
    std::string line;
    if (!std::getline(in, line) || line != kHeader) return lines;
    while (std::getline(in, line))
        if (!line.empty()) lines.push_back(line);
    return lines;
}

}  // namespace

std::optional<std::vector<std::string>> scan_cache_stages(const fs::path& file) {
    const Key key = key_of(file);
    if (key.identity.empty()) return std::nullopt;
    std::lock_guard<std::mutex> lock(g_mutex);
    for (const auto& l : read_lines()) {
        const auto p = parse(l);
        if (p && p->identity == key.identity && p->path == key.path) return split_names(p->stages);
    }
    return std::nullopt;
}

void scan_cache_add(const fs::path& file, const std::vector<std::string>& stages) {
    const Key key = key_of(file);
    if (key.identity.empty()) return;
    std::string names;
    for (const auto& n : stages) names += (names.empty() ? "" : ",") + n;
    std::lock_guard<std::mutex> lock(g_mutex);
    std::vector<std::string> lines = read_lines();
    // Drop earlier versions of the same file; keep the cache small.
    std::string text = kHeader + "\n";
    for (const auto& l : lines) {
        const auto p = parse(l);
        if (p && p->path != key.path) text += l + "\n";
    }
    text += key.identity + names + "\t" + key.path + "\n";
    try {
        std::error_code ec;
        fs::create_directories(cache_file().parent_path(), ec);
        write_file_atomic(cache_file(), std::vector<unsigned char>(text.begin(), text.end()));
    } catch (const std::exception&) {
    }
}

}  // namespace portrait::detail
