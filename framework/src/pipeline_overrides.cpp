#include "portrait/runtime/pipeline.hpp"

#include "portrait/runtime/suggest.hpp"

namespace portrait {

namespace {

StageConfig& find_stage(PipelineConfig& config, const std::string& id, const SourceMark& mark) {
    std::vector<std::string> ids;
    for (auto& s : config.stages) {
        if (s.id == id) return s;
        ids.push_back(s.id);
    }
    throw ConfigError(mark, "the pipeline " + config.file.string() + " has no stage '" + id + "'" +
                                did_you_mean(id, ids));
}

}  // namespace

void apply_overrides(PipelineConfig& config, const PipelineOverrides& o) {
    for (const auto& id : o.enable) find_stage(config, id, {"--enable " + id}).enabled = true;
    for (const auto& id : o.disable) find_stage(config, id, {"--disable " + id}).enabled = false;
    for (const auto& s : o.set) {
        SourceMark mark{"--set " + s};
        auto eq = s.find('=');
        auto dot = s.find('.');
        if (eq == std::string::npos || dot == std::string::npos || dot > eq)
            throw ConfigError(mark, "expected STAGE.PARAM=VALUE (e.g. skin_retouch.strength=0.6)");
        std::string id = s.substr(0, dot), key = s.substr(dot + 1, eq - dot - 1), text = s.substr(eq + 1);
        YAML::Node value;
        try {
            value = YAML::Load(text);
        } catch (const YAML::Exception&) {
            value = YAML::Node(text);
        }
        if (id == "resources") {
            set_resource(config.resources, key, value, mark);
            continue;
        }
        find_stage(config, id, mark).params[key] = RawParam{value, mark};
    }
}

}  // namespace portrait
