#include "portrait/runtime/plugin_trust.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <sys/stat.h>
#include <unistd.h>

namespace portrait {
namespace fs = std::filesystem;

namespace {

std::string mode_text(mode_t m) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", unsigned(m & 07777));
    return buf;
}

// The reason one path (no links followed further) is unsafe, or "".
std::string unsafe_one(const fs::path& p, bool is_leaf) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) return p.string() + ": cannot be checked: " + std::strerror(errno);
    if (st.st_uid != 0 && st.st_uid != ::getuid())
        return p.string() + " is owned by another user (uid " + std::to_string(st.st_uid) +
               "), who could replace the code in it";
    const bool dir = S_ISDIR(st.st_mode);
    // A sticky folder above (as /tmp) lets nobody rename what they do not own.
    const bool sticky_ok = dir && !is_leaf && (st.st_mode & S_ISVTX);
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !sticky_ok)
        return p.string() + " can be written by " + ((st.st_mode & S_IWOTH) ? "anyone" : "its group") + " (mode " +
               mode_text(st.st_mode) + "), who could place code there (chmod go-w " + p.string() + ")";
    return {};
}

}  // namespace

std::string unsafe_ownership(const fs::path& path) {
    std::error_code ec;
    const fs::path real = fs::canonical(path, ec);
    if (ec) return path.string() + ": cannot be checked: " + ec.message();
    if (std::string why = unsafe_one(real, true); !why.empty()) return why;
    for (fs::path p = real.parent_path(); !p.empty(); p = p.parent_path()) {
        if (std::string why = unsafe_one(p, false); !why.empty()) return why;
        if (p == p.root_path()) break;
    }
    return {};
}

std::string pipeline_plugin_folder_refusal(const fs::path& dir, const fs::path& pipeline_file, bool allowed) {
    // The registry's refusal line names the folder first; this says where it came from.
    const std::string where = "listed in plugin_paths of " + pipeline_file.string();
    if (!allowed)
        return where +
               ": not loaded: a pipeline file does not load native code unless you allow it with "
               "--allow-pipeline-plugins or PORTRAIT_ALLOW_PIPELINE_PLUGINS=1 (or add the folder to "
               "PORTRAIT_PLUGIN_PATH)";
    if (!pipeline_file.empty()) {
        if (std::string why = unsafe_ownership(pipeline_file); !why.empty()) return where + ": not loaded: " + why;
    }
    if (std::string why = unsafe_ownership(dir); !why.empty()) return where + ": not loaded: " + why;
    return {};
}

bool pipeline_plugins_allowed_by_environment() {
    const char* v = std::getenv("PORTRAIT_ALLOW_PIPELINE_PLUGINS");
    if (!v) return false;
    const std::string s(v);
    return s == "1" || s == "yes" || s == "true";
}

}  // namespace portrait
