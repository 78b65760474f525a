#include "plugin_scan_cache.hpp"

#include <fstream>
#include <mutex>
#include <sstream>
#include <string>

#include <sys/stat.h>

#include "portrait/plugin.hpp"
#include "portrait/runtime/image_io.hpp"
#include "portrait/runtime/logging.hpp"

namespace portrait::detail {
namespace fs = std::filesystem;

namespace {

// Results of another host version or toolchain do not count.
const std::string kHeader = std::string("portrait plugin scan cache; host ") + PORTRAIT_VERSION_STRING + "; abi " +
                            std::to_string(PORTRAIT_PLUGIN_ABI_VERSION) + "; " + PORTRAIT_TOOLCHAIN;

fs::path cache_file() { return cache_dir() / "plugin-scan.txt"; }

// One line: size, mtime in ns, inode, device, canonical path. Empty when not a file.
std::string key_of(const fs::path& file) {
    std::error_code ec;
    const fs::path real = fs::canonical(file, ec);
    struct stat st {};
    if (ec || ::stat(real.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
    std::ostringstream k;
    k << st.st_size << '\t' << st.st_mtim.tv_sec << '.' << st.st_mtim.tv_nsec << '\t' << st.st_ino << '\t'
      << st.st_dev << '\t' << real.string();
    return k.str();
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

bool scan_cache_has(const fs::path& file) {
    const std::string key = key_of(file);
    if (key.empty()) return false;
    std::lock_guard<std::mutex> lock(g_mutex);
    for (const auto& l : read_lines())
        if (l == key) return true;
    return false;
}

void scan_cache_add(const fs::path& file) {
    const std::string key = key_of(file);
    if (key.empty()) return;
    std::lock_guard<std::mutex> lock(g_mutex);
    std::vector<std::string> lines = read_lines();
    // Drop earlier versions of the same file; keep the cache small.
    const std::string path = key.substr(key.rfind('\t') + 1);
    std::string text = kHeader + "\n";
    for (const auto& l : lines)
        if (l.substr(l.rfind('\t') + 1) != path) text += l + "\n";
    text += key + "\n";
    try {
        std::error_code ec;
        fs::create_directories(cache_file().parent_path(), ec);
        write_file_atomic(cache_file(), std::vector<unsigned char>(text.begin(), text.end()));
    } catch (const std::exception&) {
    }
}

}  // namespace portrait::detail
