// A pipeline file as written: stages, their raw parameter values with their
// positions in the file, resources and search folders. Nothing is checked
// against plugins here; see pipeline_validate.hpp.
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/resources.hpp"

namespace portrait {

struct RawParam {
    YAML::Node value;
    SourceMark mark;  // where the value is written
};

struct StageConfig {
    std::string id;     // unique in the pipeline; defaults to the stage name
    std::string stage;  // registered stage name
    bool enabled = true;
    SourceMark mark;    // the stage entry
    std::map<std::string, RawParam> params;
};

struct ResourcesConfig {
    int max_size = 1920;           // longest side stages work on; 0 = full resolution
    std::size_t memory_limit = default_memory_limit();  // bytes; 0 = unlimited; unset: half the machine's
    int threads = 0;               // 0 = all cores
    std::string log_level = "info";
    std::string device = "auto";   // LibTorch stages: auto | cpu | cuda | cuda:N (runtime/device.hpp)
    std::size_t device_memory_limit = 0;  // bytes a GPU device may hold for the stages; 0 = none set
};

struct PipelineConfig {
    std::filesystem::path file;
    std::string name;
    std::string description;
    ResourcesConfig resources;
    std::vector<std::filesystem::path> plugin_paths;  // resolved against the file's folder
    std::vector<std::filesystem::path> model_paths;
    std::vector<StageConfig> stages;
};

// Parses a pipeline file. Throws ConfigError with file:line:column.
PipelineConfig load_pipeline(const std::filesystem::path& file);
PipelineConfig parse_pipeline(const std::string& yaml_text, const std::filesystem::path& file_name);

// Checks and sets one resources.KEY from `value`. The one validator of resources: the
// file, --set resources.KEY=VALUE and the command-line options (--threads, ...) all use
// it. Throws ConfigError at `mark` (a file position or the option) naming the limit.
void set_resource(ResourcesConfig& resources, const std::string& key, const YAML::Node& value,
                  const SourceMark& mark);

// "4GiB", "512MiB", "1.5GB", "1000000" -> bytes. Throws std::invalid_argument.
std::size_t parse_byte_size(const std::string& text);

// Writes a pipeline back as YAML that load_pipeline accepts (used by the studio's "save").
std::string to_yaml(const PipelineConfig& config);

}  // namespace portrait
