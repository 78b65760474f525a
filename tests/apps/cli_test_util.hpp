// Runs the portrait CLI as a child process with a private environment (the spine test
// plugins on PORTRAIT_PLUGIN_PATH, a private cache and TMPDIR) and captures its output.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

namespace cli {

namespace fs = std::filesystem;

struct Result {
    int code = -1;  // exit status, or 128 + signal
    std::string out, err;
    double seconds = 0;
};

// A fresh folder under $TMPDIR (or /tmp), removed at destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }
    fs::path operator/(const std::string& s) const { return path_ / s; }

private:
    fs::path path_;
};

struct Env {
    fs::path cache;   // PORTRAIT_CACHE (logs go there)
    fs::path tmpdir;  // TMPDIR (the run's temp folder goes there)
    std::map<std::string, std::string> extra;
};

// Starts `exe args...` with the environment; stdout/stderr go to the given files.
pid_t spawn(const std::string& exe, const std::vector<std::string>& args, const Env& env, const fs::path& out_file,
            const fs::path& err_file);
// Waits for a child; returns its exit status, or 128 + signal.
int wait_child(pid_t pid);
// Runs `portrait args...` to the end.
Result portrait(const std::vector<std::string>& args, const Env& env);

std::string read_text(const fs::path& file);
void write_text(const fs::path& file, const std::string& text);
bool contains(const std::string& haystack, const std::string& needle);

}  // namespace cli
