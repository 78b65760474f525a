// The studio's feature checkboxes as data: each names the pipeline stage it switches
// and the one parameter its strength slider drives. The slider's range comes from the
// stage's own ParamSpec in the plugin registry, so a plugin that changes its range
// changes the slider without touching the studio.
#pragma once

#include <string>
#include <vector>

#include "feature_models.hpp"
#include "portrait/runtime/model_locator.hpp"
#include "portrait/runtime/pipeline_config.hpp"
#include "portrait/runtime/plugin_registry.hpp"

namespace portrait::studio {

struct FeatureSpec {
    std::string key;       // settings key, stable across versions ("slim")
    std::string label;     // checkbox text
    std::string stage_id;  // the pipeline stage it controls, by id...
    std::string stage;     // ...or else the first stage of this registered name
    std::string param;     // the parameter the strength slider drives
    bool default_on = false;  // the original tool's default (the default pipeline encodes it too)
    std::string tooltip;
    std::vector<ModelNeed> models;  // model files its stage loads (greyed out while one is missing)
};

// Face slimming (off), skin retouching (on), portrait enhancement (off): the original tool's three.
const std::vector<FeatureSpec>& default_features();

// A feature as found in one pipeline with the loaded plugins.
struct FeatureBinding {
    FeatureSpec spec;
    int stage_index = -1;       // index in PipelineConfig::stages; -1 = not in this pipeline
    std::string stage_id;       // the id it matched
    bool available = false;     // in the pipeline, its plugin loaded, the parameter declared
    std::string unavailable_reason;  // plain words, for the tooltip
    std::vector<MissingModel> missing_models;  // why it is unavailable, when that is the reason
    bool integer = false;       // an Int parameter: whole steps
    double min = 0, max = 1;    // from the ParamSpec (infinite bounds replaced by a sane span)
    double value = 0;           // as the pipeline file sets it, else the ParamSpec default
    bool enabled = false;       // as the pipeline file sets it
};

// `models`: where the stages will look for their files (ModelLocator(config.model_paths));
// null skips the model check.
std::vector<FeatureBinding> bind_features(const std::vector<FeatureSpec>& specs, const PipelineConfig& config,
                                          const PluginRegistry& registry, const ModelLocator* models = nullptr);

}  // namespace portrait::studio
