// The per-run temp folder: created at start, removed at exit and on SIGINT/SIGTERM,
// and folders left by crashed runs are swept at the next start.
#pragma once

#include <atomic>
#include <filesystem>

#include <sys/types.h>

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

// True when the process that named temp file or folder `file` after its pid is gone:
// no process has that pid, or the one that has it started after `file` last changed
// (the pid was reused). Used by every sweep of stale temp files.
bool temp_owner_gone(pid_t pid, const std::filesystem::path& file);

// Call first thing in main(), before any thread starts: blocks SIGINT/SIGTERM in
// all threads and handles them on a dedicated thread. A first SIGINT, or a first
// SIGTERM while a StopCleanlyOnSigterm lives, only sets the cancel flag so a batch stops
// cleanly and writes its report; any other signal removes the registered temp folder
// and exits at once (128 + signal: 130 / 143).
void install_signal_handling();
// Set by the first SIGINT (or SIGTERM, see above); never cleared. Runs see it through
// CancelToken::following_signals (cancel.hpp).
const std::atomic<bool>& cancel_requested();
// The signal that set the cancel flag (SIGINT or SIGTERM); 0 if none did.
int cancel_signal();
// While one lives (a batch runs), SIGTERM stops cleanly like a first Ctrl-C. Elsewhere
// it exits at once: commands that never look at the cancel flag must not ignore it.
struct StopCleanlyOnSigterm {
    StopCleanlyOnSigterm();
    ~StopCleanlyOnSigterm();
    StopCleanlyOnSigterm(const StopCleanlyOnSigterm&) = delete;
    StopCleanlyOnSigterm& operator=(const StopCleanlyOnSigterm&) = delete;
};
// The folder the signal thread removes before exiting.
void register_temp_dir_for_signals(const std::filesystem::path& dir);

}  // namespace portrait
