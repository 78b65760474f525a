// The run's temp folder never outlives the run: removed when `portrait run` is stopped
// with SIGTERM mid-way (which, like Ctrl-C, still writes the report), and folders and
// temp files of runs that died harder (kill -9) swept at the next start, even when their
// pid now belongs to another process.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <thread>

#include <opencv2/imgcodecs.hpp>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_test_util.hpp"
#include "portrait/runtime/image_io.hpp"

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> run_dirs(const fs::path& base) {
    std::vector<fs::path> v;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(base, ec))
        if (e.path().filename().string().rfind("portrait-run-", 0) == 0) v.push_back(e.path());
    return v;
}

pid_t dead_pid() {
    pid_t pid = fork();
    if (pid == 0) _exit(0);
    int status = 0;
    waitpid(pid, &status, 0);
    return pid;
}

}  // namespace

TEST(CliSignals, SigtermMidRunRemovesTheTempFolderAndWritesTheReport) {
    cli::TempDir tmp;
    cli::Env env{tmp / "cache", tmp / "tmp", {}};
    fs::create_directories(env.tmpdir);
    fs::create_directories(tmp / "in");
    ASSERT_TRUE(cv::imwrite((tmp / "in" / "one.png").string(), cv::Mat(48, 64, CV_8UC3, cv::Scalar(1, 2, 3))));
    cli::write_text(tmp / "p.yaml", "stages:\n  - stage: spine_sleep\n    id: nap\n    params: {ms: 60000}\n");
    const pid_t pid = cli::spawn(PORTRAIT_EXE,
                                 {"run", (tmp / "in").string(), "-o", (tmp / "out").string(), "-p",
                                  (tmp / "p.yaml").string(), "--progress", "never", "--report",
                                  (tmp / "r.json").string()},
                                 env, tmp / "stdout.txt", tmp / "stderr.txt");
    // Wait until the stage is mid-way: it wrote "sleeping" into its temp folder.
    fs::path marker;
    for (int i = 0; i < 600 && marker.empty(); ++i) {
        for (const auto& d : run_dirs(env.tmpdir))
            if (fs::exists(d / "nap" / "sleeping")) marker = d / "nap" / "sleeping";
        if (marker.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_FALSE(marker.empty()) << "the run never reached the sleeping stage: " << cli::read_text(tmp / "stderr.txt");
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    const int code = cli::wait_child(pid);
    EXPECT_EQ(code, 128 + SIGTERM);
    EXPECT_TRUE(run_dirs(env.tmpdir).empty()) << "left behind: " << run_dirs(env.tmpdir)[0];
    EXPECT_FALSE(fs::exists(tmp / "out" / "one.png"));
    // As on Ctrl-C, the batch stopped cleanly and reported the image it dropped.
    const std::string report = cli::read_text(tmp / "r.json");
    EXPECT_TRUE(cli::contains(report, "\"interrupted\": true")) << report;
    EXPECT_TRUE(cli::contains(report, "\"cancelled\": 1")) << report;
}

TEST(CliSignals, SigtermOutsideABatchStillExitsAtOnce) {
    // Reading --from-list from a FIFO nobody writes blocks before the batch starts, where
    // nothing looks at the cancel flag: SIGTERM must end it there, not wait.
    cli::TempDir tmp;
    cli::Env env{tmp / "cache", tmp / "tmp", {}};
    fs::create_directories(env.tmpdir);
    ASSERT_EQ(mkfifo((tmp / "list").c_str(), 0600), 0);
    cli::write_text(tmp / "p.yaml", "stages:\n  - stage: spine_rect\n");
    const pid_t pid = cli::spawn(PORTRAIT_EXE,
                                 {"run", "--from-list", (tmp / "list").string(), "-o", (tmp / "out").string(), "-p",
                                  (tmp / "p.yaml").string()},
                                 env, tmp / "stdout.txt", tmp / "stderr.txt");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const auto t0 = std::chrono::steady_clock::now();
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    EXPECT_EQ(cli::wait_child(pid), 128 + SIGTERM);
    EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 10.0);
}

// A time well before this test process started.
fs::file_time_type long_ago() { return fs::file_time_type::clock::now() - std::chrono::hours(48); }

TEST(CliSignals, StaleTempFilesWhosePidWasReusedAreSwept) {
    // Left by a run killed with -9 two days ago, whose pid is now this (live) test
    // process: the pid alone says "alive"; that the process started after they were last
    // written says they are not its own.
    cli::TempDir tmp;
    cli::Env env{tmp / "cache", tmp / "tmp", {}};
    const fs::path stale_dir = env.tmpdir / ("portrait-run-" + std::to_string(getpid()) + "-77");
    fs::create_directories(stale_dir / "stage");
    cli::write_text(stale_dir / "stage" / "big.tmp", "left by a run killed with -9");
    fs::last_write_time(stale_dir, long_ago());
    const fs::path live_dir = env.tmpdir / ("portrait-run-" + std::to_string(getpid()) + "-78");  // written now
    fs::create_directories(live_dir);
    const fs::path stale_file = portrait::temp_name_for(tmp / "out" / "one.png");
    cli::write_text(stale_file, "half an image");
    fs::last_write_time(stale_file, long_ago());
    const fs::path live_file = portrait::temp_name_for(tmp / "out" / "two.png");
    cli::write_text(live_file, "being written");

    fs::create_directories(tmp / "in");
    ASSERT_TRUE(cv::imwrite((tmp / "in" / "one.png").string(), cv::Mat(48, 64, CV_8UC3, cv::Scalar(1, 2, 3))));
    cli::write_text(tmp / "p.yaml", "stages:\n  - stage: spine_rect\n");
    const auto r = cli::portrait({"run", (tmp / "in").string(), "-o", (tmp / "out").string(), "-p",
                                  (tmp / "p.yaml").string(), "--progress", "never"},
                                 env);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_FALSE(fs::exists(stale_dir));
    EXPECT_FALSE(fs::exists(stale_file));
    EXPECT_TRUE(fs::exists(live_dir));
    EXPECT_TRUE(fs::exists(live_file));
}

TEST(CliSignals, StaleTempFoldersOfDeadRunsAreSweptAtStart) {
    cli::TempDir tmp;
    cli::Env env{tmp / "cache", tmp / "tmp", {}};
    const fs::path stale = env.tmpdir / ("portrait-run-" + std::to_string(dead_pid()) + "-4242");
    fs::create_directories(stale / "stage");
    cli::write_text(stale / "stage" / "big.tmp", "left by a run killed with -9");
    const fs::path alive = env.tmpdir / ("portrait-run-" + std::to_string(getpid()) + "-1");  // this test: alive
    fs::create_directories(alive);
    fs::create_directories(tmp / "in");
    ASSERT_TRUE(cv::imwrite((tmp / "in" / "one.png").string(), cv::Mat(48, 64, CV_8UC3, cv::Scalar(1, 2, 3))));
    cli::write_text(tmp / "p.yaml", "stages:\n  - stage: spine_rect\n");
    const auto r = cli::portrait({"run", (tmp / "in").string(), "-o", (tmp / "out").string(), "-p",
                                  (tmp / "p.yaml").string(), "--progress", "never"},
                                 env);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_FALSE(fs::exists(stale));
    EXPECT_TRUE(fs::exists(alive));
    // The run's own folder is gone too: only the live one we made is left.
    EXPECT_EQ(run_dirs(env.tmpdir), std::vector<fs::path>{alive});
}
