// A validated pipeline: every stage found in a loaded plugin, every parameter
// typed and in range, every need provided by an earlier stage.
#pragma once

#include <string>
#include <vector>

#include "portrait/runtime/pipeline_config.hpp"
#include "portrait/runtime/plugin_registry.hpp"

namespace portrait {

struct ResolvedStage {
    std::string id;
    const StageEntry* entry = nullptr;
    Params params;  // every declared parameter, defaults filled in
};

struct ResolvedPipeline {
    PipelineConfig config;
    std::vector<ResolvedStage> stages;  // enabled stages only, in order
};

// A face stage needs or provides caps::kFaces: the one test, for the runner's per-stage
// face counts, the batch's "no face" warning and the front ends.
bool is_face_stage(const StageSpec& spec);
// A face finder provides caps::kFaces (the Studio's overlay shows the first one's faces).
bool finds_faces(const StageSpec& spec);

// One stage entry's parameters, converted, range- and choice-checked, defaults filled in,
// as validate_pipeline does for each entry (needs are not looked at). Throws ConfigError.
Params stage_params(const StageConfig& stage, const StageEntry& entry);

// Throws ConfigError (file:line:column, stage and parameter named) on the first problem.
ResolvedPipeline validate_pipeline(const PipelineConfig& config, const PluginRegistry& registry);

// Command-line changes to a loaded pipeline.
struct PipelineOverrides {
    std::vector<std::string> set;      // "stage_id.param=value" or "resources.key=value"
    std::vector<std::string> enable;   // stage ids
    std::vector<std::string> disable;  // stage ids
};

// Throws ConfigError whose mark names the command-line option.
void apply_overrides(PipelineConfig& config, const PipelineOverrides& overrides);

// Renders a value for messages and `describe` ("0.5", "true", "auto").
std::string to_string(const ParamValue& value);

}  // namespace portrait
