// The run's temp folder never outlives the run: removed when `portrait run` is killed
// with SIGTERM mid-way, and folders of runs that died harder (kill -9) swept at the
// next start.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <thread>

#include <opencv2/imgcodecs.hpp>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_test_util.hpp"

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

TEST(CliSignals, SigtermMidRunRemovesTheTempFolder) {
    cli::TempDir tmp;
    cli::Env env{tmp / "cache", tmp / "tmp", {}};
    fs::create_directories(env.tmpdir);
    fs::create_directories(tmp / "in");
    ASSERT_TRUE(cv::imwrite((tmp / "in" / "one.png").string(), cv::Mat(48, 64, CV_8UC3, cv::Scalar(1, 2, 3))));
    cli::write_text(tmp / "p.yaml", "stages:\n  - stage: spine_sleep\n    id: nap\n    params: {ms: 60000}\n");
    const pid_t pid = cli::spawn(PORTRAIT_EXE,
                                 {"run", (tmp / "in").string(), "-o", (tmp / "out").string(), "-p",
                                  (tmp / "p.yaml").string(), "--progress", "never"},
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
