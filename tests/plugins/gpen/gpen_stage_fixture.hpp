// The gpen plugin through the host: a fixture that loads the built plugin and the
// test_faces plugin and builds runners whose only model folder is the test's own.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include <opencv2/core.hpp>

#include "portrait/runtime/pipeline.hpp"
#include "portrait/runtime/pipeline_config.hpp"
#include "portrait/runtime/plugin_registry.hpp"
#include "portrait/runtime/runner.hpp"

namespace gpen_test {
namespace fs = std::filesystem;

class StageTest : public ::testing::Test {
protected:
    void SetUp() override {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        dir_ = fs::temp_directory_path() /
               ("gpen_stage_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" + info->name());
        fs::create_directories(dir_ / "models");
        // Only our folders: a model in the user's cache must not hide a "missing model".
        setenv("PORTRAIT_CACHE", (dir_ / "cache").c_str(), 1);
        unsetenv("PORTRAIT_MODELS");
        const fs::path gpen = fs::path(GPEN_PLUGIN_DIR) / "portrait_gpen.so";
        ASSERT_TRUE(registry_.load_file(gpen)) << "cannot load " << gpen;
        registry_.load_directory(GPEN_TEST_PLUGINS);
        ASSERT_NE(registry_.find("test_faces"), nullptr);
    }
    void TearDown() override {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }

    // resources: more "  key: value\n" lines for the resources block (device, ...).
    std::unique_ptr<portrait::Runner> runner(const std::string& stages, int max_size = 0,
                                             const std::string& resources = "") {
        const std::string yaml = "version: 1\nname: t\nresources:\n  max_size: " + std::to_string(max_size) +
                                 "\n  threads: 1\n" + resources + "stages:\n" + stages;
        portrait::PipelineConfig cfg = portrait::parse_pipeline(yaml, dir_ / "t.yaml");
        cfg.model_paths = {dir_ / "models"};
        fs::create_directories(dir_ / "run");
        return std::make_unique<portrait::Runner>(portrait::validate_pipeline(cfg, registry_),
                                                  portrait::RunEnvironment{dir_ / "run", 1});
    }

    static cv::Mat textured(cv::Size s) {
        cv::Mat img(s, CV_8UC3);
        cv::RNG(11).fill(img, cv::RNG::UNIFORM, 0, 256);
        return img;
    }

    fs::path dir_;
    portrait::PluginRegistry registry_;
};

}  // namespace gpen_test
