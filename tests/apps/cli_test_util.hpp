// Runs the portrait CLI as a child process with a private environment (the spine test
// plugins on PORTRAIT_PLUGIN_PATH, a private cache and TMPDIR) and captures its output.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <sys/types.h>

#include "test_temp_dir.hpp"

namespace cli {

namespace fs = std::filesystem;

struct Result {
    int code = -1;  // exit status, or 128 + signal
    std::string out, err;
    double seconds = 0;
};

using TempDir = portrait_test::TempDir;

struct Env {
    fs::path cache;   // PORTRAIT_CACHE (logs go there)
    fs::path tmpdir;  // TMPDIR (the run's temp folder goes there)
    std::map<std::string, std::string> extra;
    long file_size_limit = -1;  // RLIMIT_FSIZE in bytes for the child (a disk that fills up); -1 = none
};

// The child's environment as NAME=VALUE: ours, with the test's variables.
std::vector<std::string> child_environment(const Env& env);
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
