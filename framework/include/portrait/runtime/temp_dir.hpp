// The per-run temp folder: created at start, removed at exit and on SIGINT/SIGTERM,
// and folders left by crashed runs are swept at the next start.
#pragma once

#include <atomic>
#include <filesystem>

namespace portrait {

class RunTempDir {
public:
    // Creates <base>/portrait-run-<pid>-<random>; base defaults to $TMPDIR or /tmp.
    // Sweeps portrait-run-* folders in base whose process is gone.
    explicit RunTempDir(std::filesystem::path base = {});
    ~RunTempDir();
    RunTempDir(const RunTempDir&) = delete;
    RunTempDir& operator=(const RunTempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    static std::filesystem::path default_base();

private:
    std::filesystem::path path_;
};

// Removes stale portrait-run-<pid>-* folders in base; returns how many.
int sweep_stale_temp_dirs(const std::filesystem::path& base);

// Call first thing in main(), before any thread starts: blocks SIGINT/SIGTERM in
// all threads and handles them on a dedicated thread. SIGTERM (or a second SIGINT)
// removes the registered temp folder and exits (143 / 130); a first SIGINT only
// sets the cancel flag so a batch stops cleanly and writes its report.
void install_signal_handling();
// Set by the first SIGINT.
const std::atomic<bool>& cancel_requested();
void request_cancel();
// Clears the flag (an interactive front end starts a new job after a cancel).
void clear_cancel();
// The folder the signal thread removes before exiting.
void register_temp_dir_for_signals(const std::filesystem::path& dir);

}  // namespace portrait
