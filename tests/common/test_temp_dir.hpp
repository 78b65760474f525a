// A fresh folder for one test, under $TMPDIR (or /tmp), removed with everything in it when
// the object goes. Shared by every C++ test folder (tests/CMakeLists.txt puts tests/common
// on their include path).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>

#include <stdlib.h>  // mkdtemp

namespace portrait_test {

class TempDir {
public:
    // The folder is portrait-<prefix>-XXXXXX. open_to_all: mode 0777, so a test can run the
    // CLI as an unprivileged user inside it.
    explicit TempDir(const std::string& prefix = "test", bool open_to_all = false) {
        const char* t = std::getenv("TMPDIR");
        const std::filesystem::path base = (t && *t) ? std::filesystem::path(t) : std::filesystem::path("/tmp");
        std::string tmpl = (base / ("portrait-" + prefix + "-XXXXXX")).string();
        if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed in " + base.string());
        path_ = tmpl;
        if (open_to_all) std::filesystem::permissions(path_, std::filesystem::perms::all);
    }
    ~TempDir() {
        namespace fs = std::filesystem;
        std::error_code ec;
        // Tests may leave read-only folders behind: make everything removable first.
        for (auto it = fs::recursive_directory_iterator(path_, ec); !ec && it != fs::recursive_directory_iterator();
             it.increment(ec)) {
            std::error_code e2;
            if (!it->is_symlink(e2)) fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, e2);
        }
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& s) const { return path_ / s; }

private:
    std::filesystem::path path_;
};

}  // namespace portrait_test
