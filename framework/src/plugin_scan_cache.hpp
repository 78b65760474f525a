// Remembers which plugin files passed the scan child (plugin_scan.hpp), keyed by path,
// size, modification time and inode, as GStreamer's registry cache does: a plugin is
// scanned again only when its file changes or the host does. It records what passed a
// crash check, not what is trusted: which folders load is decided before (plugin_trust).
#pragma once

#include <filesystem>

namespace portrait::detail {

// True when `file`, as it is now, passed the scan under this host version before.
bool scan_cache_has(const std::filesystem::path& file);
// Records that `file`, as it is now, passed. Best effort: a cache that cannot be
// written only costs a scan next time.
void scan_cache_add(const std::filesystem::path& file);

}  // namespace portrait::detail
