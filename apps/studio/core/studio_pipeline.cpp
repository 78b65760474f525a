#include "studio_pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "portrait/runtime/data_dirs.hpp"
#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/image_io.hpp"

namespace portrait::studio {
namespace fs = std::filesystem;

FeatureChoices choices_from(const std::vector<FeatureBinding>& bindings) {
    FeatureChoices out;
    for (const auto& b : bindings)
        if (b.stage_index >= 0) out[b.spec.key] = {b.enabled, b.value};
    return out;
}

std::string format_value(double v, bool integer) {
    if (integer) return std::to_string(std::llround(v));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    std::string s = buf;
    // Trim trailing zeros but keep one digit after the point, so it stays a float in YAML.
    while (s.size() > 1 && s.back() == '0' && s[s.size() - 2] != '.') s.pop_back();
    if (s == "-0.0") s = "0.0";
    return s;
}

PipelineConfig apply_features(const PipelineConfig& base, const std::vector<FeatureBinding>& bindings,
                              const FeatureChoices& choices) {
    PipelineConfig out = base;
    for (const auto& b : bindings) {
        if (b.stage_index < 0 || b.stage_index >= int(out.stages.size())) continue;
        // A stage whose model is missing would stop the whole pipeline at start: it stays off.
        if (!b.missing_models.empty()) out.stages[std::size_t(b.stage_index)].enabled = false;
        if (!b.available) continue;
        auto c = choices.find(b.spec.key);
        if (c == choices.end()) continue;
        StageConfig& st = out.stages[std::size_t(b.stage_index)];
        st.enabled = c->second.enabled;
        const double v = std::clamp(c->second.strength, b.min, b.max);
        // Erase, then add: assigning over a YAML::Node writes into the node it shares with `base`.
        st.params.erase(b.spec.param);
        st.params.emplace(b.spec.param, RawParam{YAML::Node(format_value(v, b.integer)),
                                                 SourceMark{"studio: " + b.spec.label + " slider"}});
    }
    return out;
}

PipelineConfig runnable_config(const PipelineConfig& config, const PluginRegistry& registry,
                               std::vector<std::string>* dropped) {
    PipelineConfig out = config;
    out.stages.clear();
    for (const auto& s : config.stages) {
        if (!s.enabled && !registry.find(s.stage)) {
            if (dropped) dropped->push_back(s.id);
            continue;
        }
        out.stages.push_back(s);
    }
    return out;
}

std::string pipeline_yaml(const PipelineConfig& config, const std::vector<std::string>& dropped) {
    std::string head = "# Saved by Portrait Studio";
    if (!config.file.empty()) head += " from " + config.file.filename().string();
    head += ". Run it with: portrait run -p THIS_FILE INPUT... -o OUTPUT_DIR\n";
    if (!dropped.empty()) {
        head += "# Left out (disabled, and their plugin is not installed):";
        for (const auto& d : dropped) head += " " + d;
        head += "\n";
    }
    return head + to_yaml(config);
}

void save_pipeline_yaml(const fs::path& file, const PipelineConfig& config, const std::vector<std::string>& dropped) {
    std::error_code ec;
    for (const auto& d : data_dirs()) {
        const fs::path bundled = d / "pipelines";
        if (!fs::is_directory(bundled, ec)) continue;
        const fs::path parent = fs::weakly_canonical(fs::absolute(file).parent_path(), ec);
        if (!ec && parent == fs::weakly_canonical(bundled, ec))
            throw std::runtime_error(file.string() +
                             ": the bundled pipelines are not changed by the studio; save under another folder");
    }
    const std::string text = pipeline_yaml(config, dropped);
    write_file_atomic(file, std::vector<unsigned char>(text.begin(), text.end()));
}

std::vector<fs::path> bundled_pipelines() {
    std::vector<fs::path> out;
    const fs::path dir = find_data("pipelines");
    std::error_code ec;
    if (dir.empty()) return out;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().extension() == ".yaml" || e.path().extension() == ".yml") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace portrait::studio
