#include "model_catalogue.hpp"

#include <algorithm>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "portrait/runtime/data_dirs.hpp"

namespace portrait::cli {
namespace fs = std::filesystem;

namespace {

std::string str(const YAML::Node& n, const char* key) {
    const YAML::Node v = n[key];
    return v && v.IsScalar() ? v.as<std::string>() : std::string();
}

std::vector<std::string> str_list(const YAML::Node& n, const char* key) {
    std::vector<std::string> out;
    const YAML::Node v = n[key];
    if (!v) return out;
    if (!v.IsSequence()) throw std::runtime_error(std::string("'") + key + "' must be a list");
    for (const auto& item : v) out.push_back(item.as<std::string>());
    return out;
}

CatalogueEntry parse_entry(const std::string& name, const YAML::Node& n) {
    CatalogueEntry e;
    e.name = name;
    e.description = str(n, "description");
    e.licence = str(n, "licence");
    e.upstream_licence = str(n, "upstream_licence");
    e.upstream = str(n, "upstream");
    const YAML::Node src = n["source"];
    if (!src || !src.IsMap()) throw std::runtime_error("no 'source' map");
    e.kind = str(src, "kind");
    if (e.kind == "npm") {
        e.package = str(src, "package");
        e.version = str(src, "version");
        if (const YAML::Node files = n["files"]) {
            for (const auto& f : files) {
                std::string dest = str(f, "dest");
                if (dest.empty()) dest = "models/" + name + "/" + fs::path(str(f, "path")).filename().string();
                e.npm_files.push_back(dest);
            }
        }
        if (const YAML::Node conv = n["convert"]) {
            const std::string out = str(conv, "output");
            if (!out.empty()) e.npm_convert_output = "models/" + name + "/" + out;
        }
    } else if (e.kind == "modelscope") {
        e.model_id = str(src, "model_id");
        e.also_known_as = str(src, "also_known_as");
        e.revision = str(src, "revision");
        if (e.revision.empty()) e.revision = "master";
        split_model_id(e.model_id);
        if (!e.also_known_as.empty()) split_model_id(e.also_known_as);
        e.include = str_list(n, "include");
        e.requires_files = str_list(n, "requires");
        if (const YAML::Node convs = n["conversions"]) {
            for (const auto& c : convs) {
                Conversion cv;
                cv.converter = str(c, "converter");
                cv.from = str(c, "from");
                cv.to = str(c, "to");
                cv.outputs = str_list(c, "outputs");
                cv.optional = c["optional"] && c["optional"].as<bool>();
                if (cv.converter.empty() || cv.from.empty() || cv.to.empty())
                    throw std::runtime_error("a conversion needs 'converter', 'from' and 'to'");
                if (cv.outputs.empty()) cv.outputs.push_back(cv.to);
                e.conversions.push_back(std::move(cv));
            }
        }
    } else {
        throw std::runtime_error("unknown source kind '" + e.kind + "' (npm or modelscope)");
    }
    return e;
}

}  // namespace

std::pair<std::string, std::string> split_model_id(const std::string& model_id) {
    const auto slash = model_id.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == model_id.size() ||
        model_id.find('/', slash + 1) != std::string::npos || model_id.find("..") != std::string::npos)
        throw std::runtime_error("model id '" + model_id + "' is not of the form ORG/NAME");
    return {model_id.substr(0, slash), model_id.substr(slash + 1)};
}

std::vector<std::string> CatalogueEntry::required_inputs() const {
    std::vector<std::string> out = requires_files;
    for (const auto& c : conversions)
        if (!c.optional && c.from != "." && std::find(out.begin(), out.end(), c.from) == out.end())
            out.push_back(c.from);
    return out;
}

std::vector<std::string> CatalogueEntry::product_files() const {
    std::vector<std::string> out;
    if (kind == "npm") {
        out = npm_files;
        if (!npm_convert_output.empty()) out.push_back(npm_convert_output);
    } else {
        for (const auto& c : conversions)
            if (!c.optional)
                for (const auto& o : c.outputs) out.push_back("models/" + o);
    }
    return out;
}

std::vector<std::string> CatalogueEntry::product_models() const {
    std::vector<std::string> out;
    auto add = [&](const std::string& m) {
        for (const auto& x : out)
            if (x == m) return;
        out.push_back(m);
    };
    if (kind == "npm") {
        add(name);
    } else {
        for (const auto& c : conversions)
            for (const auto& o : c.outputs) add(fs::path(o).begin()->string());
    }
    return out;
}

const CatalogueEntry* Catalogue::find(const std::string& name) const {
    for (const auto& e : entries)
        if (e.name == name) return &e;
    return nullptr;
}

const CatalogueEntry* Catalogue::find_for_model(const std::string& name) const {
    if (const auto* e = find(name)) return e;
    for (const auto& e : entries)
        for (const auto& m : e.product_models())
            if (m == name) return &e;
    return nullptr;
}

Catalogue load_catalogue(const fs::path& file) {
    Catalogue cat;
    cat.file = file;
    YAML::Node root;
    try {
        root = YAML::LoadFile(file.string());
    } catch (const YAML::Exception& e) {
        throw std::runtime_error(file.string() + ": " + e.what());
    }
    const YAML::Node models = root["models"];
    if (!models || !models.IsMap()) throw std::runtime_error(file.string() + ": no 'models' map");
    for (const auto& kv : models) {
        const std::string name = kv.first.as<std::string>();
        try {
            cat.entries.push_back(parse_entry(name, kv.second));
        } catch (const std::exception& e) {
            throw std::runtime_error(file.string() + ": model '" + name + "': " + e.what());
        }
    }
    return cat;
}

fs::path default_catalogue_path() {
    fs::path p = find_data("models/catalogue.yaml");
    if (p.empty()) throw std::runtime_error("the model catalogue models/catalogue.yaml was not found");
    return p;
}

}  // namespace portrait::cli
