#include "feature_models.hpp"

#include <algorithm>
#include <memory>
#include <mutex>

#include "portrait/runtime/model_catalogue.hpp"
#include "portrait/runtime/logging.hpp"

namespace portrait::studio {
namespace fs = std::filesystem;

namespace {

std::string scalar_text(const ParamValue& v) {
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
    if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
    if (const auto* d = std::get_if<double>(&v)) return std::to_string(*d);
    return {};
}

// "gpen-{model}" with the stage's "model" value.
std::string resolve_folder(const std::string& pattern, const StageConfig& stage, const StageSpec& spec) {
    std::string out;
    for (std::size_t i = 0; i < pattern.size();) {
        const auto open = pattern.find('{', i);
        const auto close = open == std::string::npos ? open : pattern.find('}', open);
        if (close == std::string::npos) {
            out += pattern.substr(i);
            break;
        }
        out += pattern.substr(i, open - i);
        out += stage_param_text(stage, spec, pattern.substr(open + 1, close - open - 1));
        i = close + 1;
    }
    return out;
}

bool applies(const ModelNeed& need, const StageConfig& stage, const StageSpec& spec) {
    if (need.only_if.empty()) return true;
    const auto eq = need.only_if.find('=');
    if (eq == std::string::npos) return true;
    return stage_param_text(stage, spec, need.only_if.substr(0, eq)) == need.only_if.substr(eq + 1);
}

// The catalogue, read once; null when the installation has none (the text then says less).
const Catalogue* catalogue() {
    static std::once_flag once;
    static std::unique_ptr<Catalogue> cat;
    std::call_once(once, [] {
        try {
            cat = std::make_unique<Catalogue>(load_catalogue(default_catalogue_path()));
        } catch (const std::exception& e) {
            host_logger().warn("studio: {}; model hints name no download", e.what());
        }
    });
    return cat.get();
}

// The conversion that writes <model>/<file> (or the whole <model> folder).
const Conversion* conversion_for(const CatalogueEntry& e, const MissingModel& m) {
    for (const auto& c : e.conversions)
        for (const auto& o : c.outputs)
            if (fs::path(o).begin()->string() == m.model) return &c;
    return nullptr;
}

// "the GPEN model and the RealESRNet background upsampler"; a model named once for all its files.
std::string join_what(const std::vector<MissingModel>& missing) {
    std::vector<std::string> names;
    for (const auto& m : missing) {
        std::string n = m.what.empty() ? "the model '" + m.model + "'" : m.what;
        if (std::find(names.begin(), names.end(), n) == names.end()) names.push_back(std::move(n));
    }
    std::string s;
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) s += i + 1 == names.size() ? " and " : ", ";
        s += names[i];
    }
    return s;
}

}  // namespace

std::string stage_param_text(const StageConfig& stage, const StageSpec& spec, const std::string& name) {
    auto raw = stage.params.find(name);
    if (raw != stage.params.end() && raw->second.value && raw->second.value.IsScalar())
        return raw->second.value.Scalar();
    for (const auto& p : spec.params)
        if (p.name == name) return scalar_text(p.default_value);
    return {};
}

std::vector<MissingModel> missing_models(const std::vector<ModelNeed>& needs, const StageConfig& stage,
                                         const StageSpec& spec, const ModelLocator& models) {
    std::vector<MissingModel> out;
    for (const auto& n : needs) {
        if (!applies(n, stage, spec)) continue;
        MissingModel m{n.what, resolve_folder(n.model, stage, spec), n.file};
        if (models.locate(m.model, m.file).empty()) out.push_back(std::move(m));
    }
    return out;
}

std::string missing_models_text(const std::string& feature_label, const std::vector<MissingModel>& missing,
                                const ModelLocator& models) {
    if (missing.empty()) return {};
    std::string text = feature_label + " needs " + join_what(missing) + ", which is not installed.";
    // Each missing model's catalogue entry, preferring one already named for another
    // (gpen-1024 and realesrnet-x2 both come from the hires download).
    const Catalogue* cat = catalogue();
    std::vector<const CatalogueEntry*> entry(missing.size(), nullptr);
    for (std::size_t i = 0; cat && i < missing.size(); ++i) entry[i] = cat->find_for_model(missing[i].model);
    for (std::size_t i = 0; i < missing.size(); ++i)
        for (std::size_t j = 0; j < missing.size(); ++j) {
            if (!entry[j]) continue;
            const auto products = entry[j]->product_models();
            if (std::find(products.begin(), products.end(), missing[i].model) != products.end()) {
                entry[i] = entry[j];
                break;
            }
        }
    std::vector<const CatalogueEntry*> done;
    for (std::size_t i = 0; i < missing.size(); ++i) {
        const CatalogueEntry* e = entry[i];
        if (!e) {
            text += "\nPut " + missing[i].model + "/" + missing[i].file + " into a model folder.";
            continue;
        }
        if (std::find(done.begin(), done.end(), e) != done.end()) continue;
        done.push_back(e);
        if (e->kind != "modelscope") {
            text += "\nGet it on a connected machine with: portrait models fetch " + e->name;
            continue;
        }
        text += "\nDownload " + e->model_id + " from ModelScope on a connected machine, then run:";
        std::vector<const Conversion*> convs;
        for (std::size_t j = 0; j < missing.size(); ++j) {
            const Conversion* c = entry[j] == e ? conversion_for(*e, missing[j]) : nullptr;
            if (!c || std::find(convs.begin(), convs.end(), c) != convs.end()) continue;
            convs.push_back(c);
            text += "\n    portrait models convert " + c->converter + " " +
                    (c->from == "." ? std::string("FOLDER") : "FOLDER/" + c->from);
        }
        text += "\nwhere FOLDER is the downloaded folder. Online, 'portrait models fetch " + e->name +
                "' does both.";
    }
    text += "\nSee docs/models.md, 'Getting the model files'.";
    std::string files, dirs;
    for (const auto& m : missing) files += (files.empty() ? "" : ", ") + m.model + "/" + m.file;
    for (const auto& d : models.search_path()) dirs += (dirs.empty() ? "" : ", ") + d.string();
    return text + "\nLooked for " + files + " in: " + dirs + ".";
}

}  // namespace portrait::studio
