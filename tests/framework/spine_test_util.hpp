// What the spine tests share: a private temp folder, the test plugins, small images.
#pragma once

#include <filesystem>
#include <string>

#include <opencv2/core.hpp>

#include "portrait/runtime/pipeline.hpp"
#include "portrait/runtime/plugin_registry.hpp"
#include "test_temp_dir.hpp"

namespace spine {

namespace fs = std::filesystem;

using TempDir = portrait_test::TempDir;

// A registry holding the spine test stages (and nothing else).
const portrait::PluginRegistry& test_registry();

// Parses and validates pipeline text against the test stages.
portrait::ResolvedPipeline resolve(const std::string& yaml, const std::string& file = "test.yaml");

// A deterministic photo-like BGR image: gradients plus texture, no two neighbours alike.
cv::Mat photo(int width, int height, int seed = 1);

void write_text(const fs::path& file, const std::string& text);

}  // namespace spine
