// From what the window shows to the pipeline that runs: the pipeline file with the
// checkboxes and sliders applied, minus disabled stages whose plugin is missing, and
// its YAML as `portrait run -p` reads it.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "features.hpp"
#include "portrait/runtime/pipeline_config.hpp"
#include "portrait/runtime/plugin_registry.hpp"

namespace portrait::studio {

struct FeatureChoice {
    bool enabled = false;
    double strength = 0;
};

// Feature key -> choice. Features missing here keep what the pipeline file says.
using FeatureChoices = std::map<std::string, FeatureChoice>;

// Choices as the pipeline file sets them (the checkbox and slider start values).
FeatureChoices choices_from(const std::vector<FeatureBinding>& bindings);

// `base` with each available feature's stage enabled or disabled and its parameter set.
// A feature whose model is missing has its stage disabled. Every other stage and
// parameter stays as the file has it.
PipelineConfig apply_features(const PipelineConfig& base, const std::vector<FeatureBinding>& bindings,
                              const FeatureChoices& choices);

// Drops disabled stages whose plugin is not loaded (they would run nothing, but
// validation refuses an unknown stage); their ids go to `dropped`.
PipelineConfig runnable_config(const PipelineConfig& config, const PluginRegistry& registry,
                               std::vector<std::string>* dropped = nullptr);

// The YAML text `portrait run -p` reads back to the same pipeline, with a comment
// header saying where it came from and which stages were left out.
std::string pipeline_yaml(const PipelineConfig& config, const std::vector<std::string>& dropped = {});

// Writes the YAML atomically. Refuses a file among the bundled pipelines (pipelines/ of
// the install or source tree): those are shared by every user and stay as shipped.
void save_pipeline_yaml(const std::filesystem::path& file, const PipelineConfig& config,
                        const std::vector<std::string>& dropped = {});

// A slider value as written into YAML: short decimal text, integral for Int parameters.
std::string format_value(double v, bool integer);

// The pipelines shipped with portrait (pipelines/*.yaml of the install or source tree), sorted.
std::vector<std::filesystem::path> bundled_pipelines();

}  // namespace portrait::studio
