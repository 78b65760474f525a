// The model files a feature needs with its stage's current parameters, whether the
// host's model locator finds them, and plain words saying how to get the missing ones
// (from the model catalogue the CLI fetches and converts with). The studio greys out a
// feature whose model is missing instead of letting its stage fail to start.
#pragma once

#include <string>
#include <vector>

#include "portrait/runtime/model_locator.hpp"
#include "portrait/runtime/pipeline_config.hpp"
#include "portrait/stage.hpp"

namespace portrait::studio {

struct ModelNeed {
    std::string what;     // plain name for the user: "the GPEN model"
    std::string model;    // model folder; "{param}" takes that parameter's value ("gpen-{model}")
    std::string file;     // inside the folder
    std::string only_if;  // "param=value": needed only then; empty: always
};

// A need as it applies to one configured stage: the folder name resolved.
struct MissingModel {
    std::string what;
    std::string model;  // "gpen-512"
    std::string file;   // "model.pt"
};

// The value a stage runs with: the pipeline file's, else the ParamSpec default, as text.
std::string stage_param_text(const StageConfig& stage, const StageSpec& spec, const std::string& name);

// The needs of `stage` (configured in the pipeline, with its registered `spec`) that
// `models` does not find. Presence only: the checksum is checked when the stage starts.
std::vector<MissingModel> missing_models(const std::vector<ModelNeed>& needs, const StageConfig& stage,
                                         const StageSpec& spec, const ModelLocator& models);

// "Portrait enhancement needs the GPEN model. Download ... then run: portrait models convert ..."
// for the tooltip; names the folders searched. Uses models/catalogue.yaml when it is found.
std::string missing_models_text(const std::string& feature_label, const std::vector<MissingModel>& missing,
                                const ModelLocator& models);

}  // namespace portrait::studio
