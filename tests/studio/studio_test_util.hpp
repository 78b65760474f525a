// Shared by the studio tests: paths, the test feature table, small images, the CLI.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <QString>
#include <opencv2/core.hpp>

#include "core/features.hpp"

namespace studio_test {

std::filesystem::path pipelines();   // tests/studio/pipelines
std::filesystem::path astronaut();   // skimage's astronaut.png; empty if not installed
std::filesystem::path default_pipeline();

// Checkboxes onto the test pipeline's stages: "warm" (on), "bright" (off), "slow" (off).
std::vector<portrait::studio::FeatureSpec> test_features();

// Writes a small colour gradient PNG (w x h) to `file`.
void write_png(const std::filesystem::path& file, int w = 96, int h = 64, int seed = 0);

// Runs the `portrait` CLI; returns its exit status, output in `output`.
int run_cli(const std::vector<std::string>& args, std::string* output = nullptr);

// Largest per-channel difference; -1 when sizes or types differ.
double max_diff(const cv::Mat& a, const cv::Mat& b);

// Quiet logging to the console only (no log file in the user's cache).
void init_test_logging();

// Sets an environment variable (null: unsets it) until destroyed, then puts it back.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value);
    ~ScopedEnv();
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    std::string name_;
    bool had_ = false;
    std::string old_;
};

// Writes a small file, creating its folders (a model file whose presence is what counts).
void touch(const std::filesystem::path& file);

}  // namespace studio_test
