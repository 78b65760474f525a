// The per-run temp folder: made at start, removed at the end, and folders left by runs
// that died (their pid is gone) swept by the next one.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include "portrait/runtime/temp_dir.hpp"
#include "spine_test_util.hpp"

namespace fs = std::filesystem;

namespace {

// A pid that certainly belonged to a process that has exited.
pid_t dead_pid() {
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    int status = 0;
    waitpid(pid, &status, 0);
    return pid;
}

}  // namespace

TEST(TempDir, SweepsOnlyFoldersOfDeadRuns) {
    spine::TempDir base;
    const fs::path dead = base / ("portrait-run-" + std::to_string(dead_pid()) + "-123");
    const fs::path mine = base / ("portrait-run-" + std::to_string(getpid()) + "-456");
    const fs::path init = base / "portrait-run-1-789";  // pid 1 is always alive
    const fs::path odd = base / "portrait-run-notapid";
    const fs::path other = base / "something-else-1";
    for (const auto& d : {dead, mine, init, odd, other}) fs::create_directories(d / "stage");
    spine::write_text(dead / "stage" / "partial.bin", "left by a crash");
    EXPECT_EQ(portrait::sweep_stale_temp_dirs(base.path()), 1);
    EXPECT_FALSE(fs::exists(dead));
    for (const auto& d : {mine, init, odd, other}) EXPECT_TRUE(fs::exists(d)) << d;
}

TEST(TempDir, MadeAtStartRemovedAtTheEndStaleOnesSwept) {
    spine::TempDir base;
    const fs::path stale = base / ("portrait-run-" + std::to_string(dead_pid()) + "-1");
    fs::create_directories(stale);
    fs::path made;
    {
        portrait::RunTempDir t(base.path());
        made = t.path();
        EXPECT_TRUE(fs::is_directory(made));
        EXPECT_EQ(made.parent_path(), base.path());
        EXPECT_EQ(made.filename().string().rfind("portrait-run-" + std::to_string(getpid()) + "-", 0), 0u);
        EXPECT_FALSE(fs::exists(stale));
        spine::write_text(made / "stage" / "scratch", "x");
    }
    EXPECT_FALSE(fs::exists(made));
}
