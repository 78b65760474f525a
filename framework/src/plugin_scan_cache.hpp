// Remembers which plugin files passed the scan child (plugin_scan.hpp), keyed by path,
// size, modification time and inode, as GStreamer's registry cache does: a plugin is
// scanned again only when its file changes or the host does. It records what passed a
// crash check, not what is trusted: which folders load is decided before (plugin_trust).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace portrait::detail {

// The stage names `file` registered when it passed the scan under this host version,
// if it did and has not changed since; else nothing. The names let the registry index
// a plugin without loading it (a pipeline loads only the plugins it names).
std::optional<std::vector<std::string>> scan_cache_stages(const std::filesystem::path& file);
// Records that `file`, as it is now, passed and registers `stages`. Best effort: a
// cache that cannot be written only costs a scan next time.
void scan_cache_add(const std::filesystem::path& file, const std::vector<std::string>& stages);

}  // namespace portrait::detail
