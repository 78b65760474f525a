#include "features.hpp"

#include <algorithm>
#include <cmath>

namespace portrait::studio {

const std::vector<FeatureSpec>& default_features() {
    static const std::vector<FeatureSpec> features{
        {"slim", "Face slimming", "face_slim", "face_slim", "strength", false,
         "Slims the jaw and cheeks along the face mesh", {}},
        // backend auto falls back to the built-in retoucher, so only abpn needs the model.
        {"retouch", "Skin retouching", "skin_retouch", "skin_retouch", "strength", true,
         "Smooths skin and removes blemishes, keeping texture",
         {{"the ABPN skin retouching model", "skin-retouching", "generator.pt", "backend=abpn"},
          {"the ABPN skin retouching model", "skin-retouching", "detection_net.pt", "backend=abpn"},
          {"the ABPN skin retouching model", "skin-retouching", "inpainting_net.pt", "backend=abpn"}}},
        // The folders gpen's constructor asks Context::find_model for (plugins/gpen).
        {"enhance", "Portrait enhancement", "gpen", "gpen", "alpha", false,
         "Restores face detail with GPEN; the slider blends restored and original",
         {{"the GPEN model", "gpen-{model}", "model.pt", ""},
          {"the RealESRNet background upsampler", "realesrnet-x2", "model.pt", "background=realesrnet"}}},
    };
    return features;
}

namespace {

double number_of(const YAML::Node& node, double fallback) {
    double d = 0;
    if (node && node.IsScalar() && YAML::convert<double>::decode(node, d) && std::isfinite(d)) return d;
    return fallback;
}

double number_of(const ParamValue& v) {
    if (const auto* d = std::get_if<double>(&v)) return *d;
    if (const auto* i = std::get_if<std::int64_t>(&v)) return double(*i);
    if (const auto* b = std::get_if<bool>(&v)) return *b ? 1 : 0;
    return 0;
}

}  // namespace

std::vector<FeatureBinding> bind_features(const std::vector<FeatureSpec>& specs, const PipelineConfig& config,
                                          const PluginRegistry& registry, const ModelLocator* models) {
    std::vector<FeatureBinding> out;
    for (const auto& spec : specs) {
        FeatureBinding b;
        b.spec = spec;
        auto& stages = config.stages;
        auto it = std::find_if(stages.begin(), stages.end(), [&](const StageConfig& s) { return s.id == spec.stage_id; });
        if (it == stages.end() && !spec.stage.empty())
            it = std::find_if(stages.begin(), stages.end(), [&](const StageConfig& s) { return s.stage == spec.stage; });
        if (it == stages.end()) {
            b.unavailable_reason = "This pipeline has no '" + spec.stage_id + "' stage.";
            out.push_back(std::move(b));
            continue;
        }
        b.stage_index = int(it - stages.begin());
        b.stage_id = it->id;
        b.enabled = it->enabled;
        const StageEntry* entry = registry.find(it->stage);
        if (!entry) {
            b.unavailable_reason = "The plugin providing stage '" + it->stage +
                                   "' is not installed or was refused (see 'portrait plugins').";
            out.push_back(std::move(b));
            continue;
        }
        auto p = std::find_if(entry->spec.params.begin(), entry->spec.params.end(),
                              [&](const ParamSpec& ps) { return ps.name == spec.param; });
        if (p == entry->spec.params.end() || (p->type != ParamType::Float && p->type != ParamType::Int)) {
            b.unavailable_reason = "Stage '" + it->stage + "' has no numeric parameter '" + spec.param + "'.";
            out.push_back(std::move(b));
            continue;
        }
        b.integer = p->type == ParamType::Int;
        const double def = number_of(p->default_value);
        // An unbounded side gets a span around the default, so the slider stays usable.
        b.min = std::isfinite(p->min) ? p->min : std::min(0.0, def);
        b.max = std::isfinite(p->max) ? p->max : std::max(b.min + 1.0, def * 2 + 1.0);
        auto raw = it->params.find(spec.param);
        b.value = raw != it->params.end() ? number_of(raw->second.value, def) : def;
        b.value = std::clamp(b.value, b.min, b.max);
        if (models) b.missing_models = missing_models(spec.models, *it, entry->spec, *models);
        if (!b.missing_models.empty()) {
            b.unavailable_reason = missing_models_text(spec.label, b.missing_models, *models);
            out.push_back(std::move(b));
            continue;
        }
        b.available = true;
        out.push_back(std::move(b));
    }
    return out;
}

}  // namespace portrait::studio
