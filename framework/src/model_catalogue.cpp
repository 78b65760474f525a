#include "portrait/runtime/model_catalogue.hpp"

#include <algorithm>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "portrait/modelscope_downloads.hpp"
#include "portrait/runtime/data_dirs.hpp"

namespace portrait {
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

bool is_sha256_hex(const std::string& s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

// A path inside the folder it is relative to: not absolute, no "..".
bool safe_relative(const std::string& s) {
    const fs::path p(s);
    if (p.is_absolute() || s.empty()) return false;
    for (const auto& part : p)
        if (part == "..") return false;
    return true;
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
        e.integrity = str(src, "integrity");
        if (e.package.empty() || e.version.empty()) throw std::runtime_error("an npm source needs 'package' and 'version'");
        if (e.integrity.rfind("sha512-", 0) != 0) throw std::runtime_error("'integrity' must be npm's sha512-<base64>");
        e.on_request = n["on_request"] && n["on_request"].as<bool>();
        if (const YAML::Node files = n["files"]) {
            for (const auto& f : files) {
                NpmFile nf{str(f, "path"), str(f, "sha256"), str(f, "dest")};
                if (nf.path.empty() || !safe_relative(nf.path)) throw std::runtime_error("a file needs a relative 'path'");
                if (!is_sha256_hex(nf.sha256)) throw std::runtime_error("file " + nf.path + ": 'sha256' must be 64 hex digits");
                if (nf.dest.empty()) nf.dest = "models/" + name + "/" + fs::path(nf.path).filename().string();
                if (!safe_relative(nf.dest)) throw std::runtime_error("file " + nf.path + ": 'dest' must stay in the cache");
                e.npm_files.push_back(nf.dest);
                e.npm_sources.push_back(std::move(nf));
            }
        }
        if (const YAML::Node conv = n["convert"]) {
            e.npm_convert_command = str(conv, "command");
            const std::string out = str(conv, "output");
            if (e.npm_convert_command.empty() || out.empty() || !safe_relative(out))
                throw std::runtime_error("'convert' needs a 'command' and a relative 'output'");
            e.npm_convert_output = "models/" + name + "/" + out;
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

std::vector<std::string> CatalogueEntry::missing_inputs(const fs::path& dir) const {
    std::vector<std::string> missing;
    std::error_code ec;
    for (const auto& f : required_inputs())
        if (!fs::is_regular_file(dir / f, ec)) missing.push_back(f);
    return missing;
}

std::vector<fs::path> CatalogueEntry::download_dirs() const {
    std::vector<std::string> ids{model_id};
    if (!also_known_as.empty()) ids.push_back(also_known_as);
    return modelscope_download_dirs(ids);
}

fs::path find_user_download(const CatalogueEntry& e, std::vector<std::string>* notes) {
    std::error_code ec;
    for (const auto& dir : e.download_dirs()) {
        if (!fs::is_directory(dir, ec)) continue;
        const auto missing = e.missing_inputs(dir);
        if (missing.empty()) return dir;
        if (notes) {
            std::string lacks;
            for (const auto& m : missing) lacks += (lacks.empty() ? "" : ", ") + m;
            notes->push_back(dir.string() + " lacks " + lacks + "; not used");
        }
    }
    return {};
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

ModelHint model_hint(const Catalogue& catalogue, const std::string& model) {
    ModelHint h;
    const CatalogueEntry* e = catalogue.find_for_model(model);
    if (!e) return h;
    h.entry = e->name;
    h.kind = e->kind;
    h.fetch = "portrait models fetch " + e->name;
    if (e->kind == "modelscope") {
        h.source = e->model_id;
        h.convert = "portrait models convert " + model + " SOURCE";
        h.download_dirs = e->download_dirs();
        h.download = find_user_download(*e);
    }
    return h;
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

}  // namespace portrait
