#include "portrait/runtime/pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "portrait/runtime/suggest.hpp"

namespace portrait {

std::string to_string(const ParamValue& value) {
    struct V {
        std::string operator()(bool b) const { return b ? "true" : "false"; }
        std::string operator()(std::int64_t i) const { return std::to_string(i); }
        std::string operator()(double d) const {
            std::ostringstream ss;
            ss << d;
            return ss.str();
        }
        std::string operator()(const std::string& s) const { return s; }
    };
    return std::visit(V{}, value);
}

namespace {

std::string range_text(const ParamSpec& spec) {
    std::ostringstream ss;
    ss << spec.min << " .. " << spec.max;
    return ss.str();
}

ParamValue convert(const ParamSpec& spec, const RawParam& raw, const std::string& stage_id) {
    const std::string where = "stage '" + stage_id + "', parameter '" + spec.name + "'";
    if (!raw.value.IsScalar())
        throw ConfigError(raw.mark, where + " must be a single " + to_string(spec.type) + " value");
    const std::string text = raw.value.Scalar();
    auto wrong_type = [&]() {
        return ConfigError(raw.mark, where + " must be " + to_string(spec.type) + ", got '" + text + "'");
    };
    auto check_range = [&](double v) {
        if (v < spec.min || v > spec.max || std::isnan(v))
            throw ConfigError(raw.mark, where + " = " + text + " is out of range " + range_text(spec));
    };
    switch (spec.type) {
        case ParamType::Bool: {
            bool b;
            if (!YAML::convert<bool>::decode(raw.value, b)) throw wrong_type();
            return b;
        }
        case ParamType::Int: {
            std::int64_t i;
            if (!YAML::convert<std::int64_t>::decode(raw.value, i)) throw wrong_type();
            check_range(double(i));
            return i;
        }
        case ParamType::Float: {
            double d;
            if (!YAML::convert<double>::decode(raw.value, d) || text == "true" || text == "false")
                throw wrong_type();
            check_range(d);
            return d;
        }
        case ParamType::String:
            return text;
        case ParamType::Choice: {
            if (std::find(spec.choices.begin(), spec.choices.end(), text) == spec.choices.end()) {
                std::string list;
                for (const auto& c : spec.choices) list += (list.empty() ? "" : ", ") + c;
                throw ConfigError(raw.mark, where + " = '" + text + "' is not one of: " + list +
                                                did_you_mean(text, spec.choices));
            }
            return text;
        }
    }
    throw wrong_type();
}

}  // namespace

namespace {
bool has_faces(const std::vector<std::string>& v) { return std::find(v.begin(), v.end(), caps::kFaces) != v.end(); }
}  // namespace

bool is_face_stage(const StageSpec& spec) { return has_faces(spec.needs) || has_faces(spec.provides); }
bool finds_faces(const StageSpec& spec) { return has_faces(spec.provides); }

Params stage_params(const StageConfig& sc, const StageEntry& entry) {
    std::map<std::string, ParamValue> values;
    std::vector<std::string> names;
    for (const auto& p : entry.spec.params) {
        names.push_back(p.name);
        values[p.name] = p.default_value;
    }
    for (const auto& [key, raw] : sc.params) {
        auto it = std::find_if(entry.spec.params.begin(), entry.spec.params.end(),
                               [&](const ParamSpec& p) { return p.name == key; });
        if (it == entry.spec.params.end())
            throw ConfigError(raw.mark, "stage '" + sc.id + "' has no parameter '" + key + "'" +
                                            did_you_mean(key, names) + "; 'portrait describe " + sc.stage +
                                            "' lists them");
        values[key] = convert(*it, raw, sc.id);
    }
    return Params(std::move(values));
}

ResolvedPipeline validate_pipeline(const PipelineConfig& config, const PluginRegistry& registry) {
    ResolvedPipeline out;
    out.config = config;
    std::set<std::string> provided;
    for (const auto& sc : config.stages) {
        const StageEntry* entry = registry.find(sc.stage);
        if (!entry) {
            std::string msg = "unknown stage '" + sc.stage + "'" + did_you_mean(sc.stage, registry.stage_names());
            msg += "; 'portrait plugins' lists the stages of the loaded plugins";
            if (!registry.refusals().empty())
                msg += " (" + std::to_string(registry.refusals().size()) + " plugin file(s) were refused, see the log)";
            throw ConfigError(sc.mark, msg);
        }
        Params params = stage_params(sc, *entry);
        if (!sc.enabled) continue;
        for (const auto& need : entry->spec.needs) {
            if (provided.count(need)) continue;
            std::string providers;
            for (const auto& [name, e] : registry.stages())
                for (const auto& p : e.spec.provides)
                    if (p == need) providers += (providers.empty() ? "" : ", ") + name;
            throw ConfigError(sc.mark, "stage '" + sc.id + "' needs '" + need +
                                           "', which no earlier enabled stage provides" +
                                           (providers.empty() ? std::string()
                                                              : "; enable one of these before it: " + providers));
        }
        for (const auto& p : entry->spec.provides) provided.insert(p);
        out.stages.push_back({sc.id, entry, std::move(params)});
    }
    return out;
}

}  // namespace portrait
