// Command-line options that set pipeline resources (--threads, --max-size, --memory-limit,
// --log-level, --set resources.KEY) are held to the limits of the YAML file by the same
// check, and a mistake names the option, exit 2, before any image is read.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "cli_test_util.hpp"

namespace fs = std::filesystem;

namespace {

class CliLimits : public ::testing::Test {
protected:
    cli::TempDir tmp;
    cli::Env env{tmp / "cache", tmp / "tmp", {}};

    void SetUp() override {
        fs::create_directories(tmp / "in");
        ASSERT_TRUE(cv::imwrite((tmp / "in" / "a.png").string(), cv::Mat(48, 64, CV_8UC3, cv::Scalar(1, 2, 3))));
        cli::write_text(tmp / "p.yaml", "stages:\n  - stage: spine_rect\n");
    }
    // `portrait run` with `extra`; asserts it wrote nothing, returns stderr.
    std::string refused_run(const std::vector<std::string>& extra) {
        std::vector<std::string> args{"run", (tmp / "in").string(), "-o", (tmp / "out").string(), "-p",
                                      (tmp / "p.yaml").string(), "--progress", "never"};
        args.insert(args.end(), extra.begin(), extra.end());
        const auto r = cli::portrait(args, env);
        EXPECT_EQ(r.code, 2) << r.err;
        EXPECT_FALSE(fs::exists(tmp / "out" / "a.png"));
        return r.err;
    }
    // The error `portrait validate` gives for a pipeline with this resources block.
    std::string file_error(const std::string& resources) {
        cli::write_text(tmp / "r.yaml", "resources:\n  " + resources + "\nstages: []\n");
        const auto r = cli::portrait({"validate", (tmp / "r.yaml").string()}, env);
        EXPECT_EQ(r.code, 2) << r.err;
        return r.err;
    }
};

}  // namespace

TEST_F(CliLimits, RunOptionsAreHeldToTheLimitsOfTheFile) {
    const std::string max_size = "resources.max_size must be 0 (full size) or at least 64\n";
    const std::string threads = "resources.threads must be 0 (all cores) .. 1024\n";
    EXPECT_EQ(refused_run({"--max-size", "10"}), "portrait: --max-size 10: " + max_size);
    EXPECT_EQ(refused_run({"--max-size=-5"}), "portrait: --max-size -5: " + max_size);
    EXPECT_EQ(refused_run({"--threads", "-1"}), "portrait: --threads -1: " + threads);
    EXPECT_EQ(refused_run({"--threads", "5000"}), "portrait: --threads 5000: " + threads);
    EXPECT_EQ(refused_run({"--threads", "many"}),
              "portrait: --threads many: resources.threads must be an integer, got 'many'\n");
    EXPECT_EQ(refused_run({"--memory-limit", "lots"}),
              "portrait: --memory-limit lots: resources.memory_limit: 'lots' is not a size (e.g. 2GiB, 512MiB)\n");
    EXPECT_EQ(refused_run({"--set", "resources.threads=-1"}), "portrait: --set resources.threads=-1: " + threads);
    EXPECT_EQ(refused_run({"--workers", "0"}), "portrait run: --workers 0: must be 1 .. 1024\n");
    EXPECT_EQ(refused_run({"--workers", "5000"}), "portrait run: --workers 5000: must be 1 .. 1024\n");
    const std::string interval =
        "portrait run: --progress-interval must be a number of seconds, 0 .. 86400\n";
    EXPECT_EQ(refused_run({"--progress-interval", "-1"}), interval);
    EXPECT_EQ(refused_run({"--progress-interval", "nan"}), interval);

    // The file says the same about the same values: one check.
    const fs::path r = tmp / "r.yaml";
    EXPECT_EQ(file_error("max_size: 10"), "portrait: " + r.string() + ":2:13: " + max_size);
    EXPECT_EQ(file_error("threads: -1"), "portrait: " + r.string() + ":2:12: " + threads);

    // Values inside the limits run.
    const auto ok = cli::portrait({"run", (tmp / "in").string(), "-o", (tmp / "out").string(), "-p",
                                   (tmp / "p.yaml").string(), "--progress", "never", "--threads", "2", "--max-size",
                                   "64", "--memory-limit", "1GiB", "--workers", "1"},
                                  env);
    EXPECT_EQ(ok.code, 0) << ok.err;
    EXPECT_TRUE(fs::exists(tmp / "out" / "a.png"));
}

TEST_F(CliLimits, DeviceThatCannotRunHereIsExit2BeforeAnyImage) {
    EXPECT_EQ(refused_run({"--device", "gpu"}),
              "portrait: --device gpu: resources.device 'gpu' is not one of auto, cpu, cuda, cuda:N (did you mean 'cpu'?)\n");
    EXPECT_EQ(file_error("device: tpu"), "portrait: " + (tmp / "r.yaml").string() +
                                             ":2:11: resources.device 'tpu' is not one of auto, cpu, cuda, cuda:N (did you mean 'cpu'?)\n");
    // Debian's LibTorch has no CUDA: asking for it names what is missing and how to get it.
    const std::string err = refused_run({"--device", "cuda"});
    EXPECT_NE(err.find("portrait run: resources.device cuda: this LibTorch was built without CUDA"), std::string::npos)
        << err;
    EXPECT_NE(err.find("PORTRAIT_LIBTORCH_DIR"), std::string::npos) << err;
    // auto and cpu run.
    for (const char* device : {"auto", "cpu"}) {
        const fs::path out = tmp / (std::string("out-") + device);
        const auto ok = cli::portrait({"run", (tmp / "in").string(), "-o", out.string(), "-p", (tmp / "p.yaml").string(),
                                       "--progress", "never", "--device", device},
                                      env);
        EXPECT_EQ(ok.code, 0) << device << ": " << ok.err;
        EXPECT_TRUE(fs::exists(out / "a.png")) << device;
    }
}

TEST_F(CliLimits, LogLevelOptionAcceptsWhatTheFileAccepts) {
    auto r = cli::portrait({"--log-level", "loud", "plugins"}, env);
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "portrait: --log-level loud: resources.log_level 'loud' is not one of trace, debug, info, warn, "
                     "error, off\n");
    r = cli::portrait({"--log-level", "warnn", "plugins"}, env);
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(cli::contains(r.err, "(did you mean 'warn'?)")) << r.err;
    r = cli::portrait({"--log-level", "warn", "plugins"}, env);
    EXPECT_EQ(r.code, 0) << r.err;
}
