#include "portrait/runtime/pipeline_config.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "portrait/runtime/device.hpp"
#include "portrait/runtime/suggest.hpp"

namespace portrait {
namespace fs = std::filesystem;

namespace {

SourceMark mark_of(const fs::path& file, const YAML::Node& node) {
    const YAML::Mark m = node.Mark();
    if (m.is_null()) return {file.string(), 0, 0};
    return {file.string(), m.line + 1, m.column + 1};
}

// A mapping key as text. yaml-cpp allows a list or mapping as a key ("{[a]: 1}"), which has
// no text: refused here, so the caller reports it where it is instead of a bad conversion.
std::string key_text(const fs::path& file, const YAML::Node& key) {
    if (key.IsMap() || key.IsSequence())
        throw ConfigError(mark_of(file, key), std::string("a key must be a name, not a ") +
                                                  (key.IsMap() ? "mapping" : "list"));
    return key.as<std::string>();
}

void check_keys(const fs::path& file, const YAML::Node& map, const std::vector<std::string>& allowed,
                const std::string& where) {
    for (const auto& kv : map) {
        const std::string key = key_text(file, kv.first);
        if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
            throw ConfigError(mark_of(file, kv.first),
                              "unknown key '" + key + "' in " + where + did_you_mean(key, allowed));
    }
}

template <class T>
T scalar(const fs::path& file, const YAML::Node& node, const std::string& what, const char* type_name) {
    if (!node.IsScalar()) throw ConfigError(mark_of(file, node), what + " must be " + type_name);
    try {
        return node.as<T>();
    } catch (const YAML::Exception&) {
        throw ConfigError(mark_of(file, node),
                          what + " must be " + type_name + ", got '" + node.Scalar() + "'");
    }
}

std::vector<fs::path> path_list(const fs::path& file, const YAML::Node& node, const std::string& what) {
    std::vector<fs::path> out;
    if (!node.IsSequence()) throw ConfigError(mark_of(file, node), what + " must be a list of folders");
    const fs::path base = file.has_parent_path() ? file.parent_path() : fs::path(".");
    for (const auto& item : node) {
        fs::path p = scalar<std::string>(file, item, what + " entry", "a path");
        out.push_back(p.is_absolute() ? p : (base / p).lexically_normal());
    }
    return out;
}

const std::vector<std::string> kResourceKeys{"max_size", "memory_limit", "threads", "log_level", "device",
                                             "device_memory_limit"};

void parse_resources(const fs::path& file, const YAML::Node& node, ResourcesConfig& r) {
    if (!node.IsMap()) throw ConfigError(mark_of(file, node), "'resources' must be a mapping");
    check_keys(file, node, kResourceKeys, "'resources'");
    for (const auto& kv : node) set_resource(r, kv.first.as<std::string>(), kv.second, mark_of(file, kv.second));
}

// Each mapping's keys, at any depth, once: yaml-cpp keeps duplicates, and lookups then see
// only one of them (the first in the pipeline, the last in params), silently.
void check_unique_keys(const fs::path& file, const YAML::Node& node, std::set<std::pair<int, int>>& seen) {
    if (!node.IsMap() && !node.IsSequence()) return;
    const YAML::Mark m = node.Mark();
    if (!m.is_null() && !seen.insert({m.line, m.column}).second) return;  // an alias of one already checked
    if (node.IsSequence()) {
        for (const auto& item : node) check_unique_keys(file, item, seen);
        return;
    }
    std::map<std::string, YAML::Node> keys;
    for (const auto& kv : node) {
        const std::string key = kv.first.IsScalar() ? kv.first.Scalar() : YAML::Dump(kv.first);
        const auto [it, fresh] = keys.emplace(key, kv.first);
        if (!fresh)
            throw ConfigError(mark_of(file, kv.first), "duplicate key '" + key + "' (first given at " +
                                                           std::to_string(it->second.Mark().line + 1) + ":" +
                                                           std::to_string(it->second.Mark().column + 1) + ")");
        check_unique_keys(file, kv.first, seen);
        check_unique_keys(file, kv.second, seen);
    }
}

StageConfig parse_stage(const fs::path& file, const YAML::Node& node) {
    StageConfig s;
    s.mark = mark_of(file, node);
    if (!node.IsMap()) throw ConfigError(s.mark, "each entry of 'stages' must be a mapping with a 'stage' key");
    check_keys(file, node, {"stage", "id", "enabled", "params"}, "a stage entry");
    auto stage = node["stage"];
    if (!stage) throw ConfigError(s.mark, "stage entry has no 'stage' key");
    s.stage = scalar<std::string>(file, stage, "'stage'", "a stage name");
    s.mark = mark_of(file, stage);
    s.id = s.stage;
    if (auto id = node["id"]) s.id = scalar<std::string>(file, id, "'id'", "a name");
    if (auto en = node["enabled"]) s.enabled = scalar<bool>(file, en, "'enabled'", "true or false");
    if (auto params = node["params"]) {
        if (!params.IsMap() && !params.IsNull())
            throw ConfigError(mark_of(file, params), "'params' of stage '" + s.id + "' must be a mapping");
        for (const auto& kv : params) {
            std::string key = key_text(file, kv.first);
            s.params[key] = RawParam{kv.second, mark_of(file, kv.first)};
        }
    }
    return s;
}

}  // namespace

void set_resource(ResourcesConfig& r, const std::string& key, const YAML::Node& value, const SourceMark& mark) {
    // The mark is given, not taken from the node: on the command line the node has none.
    auto fail = [&](const std::string& message) { return ConfigError(mark, message); };
    auto integer = [&](const std::string& what) {
        if (!value.IsScalar()) throw fail(what + " must be an integer");
        int v = 0;
        if (!YAML::convert<int>::decode(value, v)) throw fail(what + " must be an integer, got '" + value.Scalar() + "'");
        return v;
    };
    if (key == "max_size") {
        const int v = integer("resources.max_size");
        if (v < 0 || (v > 0 && v < 64)) throw fail("resources.max_size must be 0 (full size) or at least 64");
        r.max_size = v;
    } else if (key == "memory_limit" || key == "device_memory_limit") {
        if (!value.IsScalar()) throw fail("resources." + key + " must be a size such as 4GiB");
        try {
            (key == "memory_limit" ? r.memory_limit : r.device_memory_limit) = parse_byte_size(value.Scalar());
        } catch (const std::exception& e) {
            throw fail("resources." + key + ": " + e.what());
        }
    } else if (key == "device") {
        const std::string device = value.IsScalar() ? value.Scalar() : std::string();
        if (!is_device_setting(device))
            throw fail("resources.device '" + device + "' is not one of auto, cpu, cuda, cuda:N" +
                       did_you_mean(device, {"auto", "cpu", "cuda"}));
        r.device = device;
    } else if (key == "threads") {
        const int v = integer("resources.threads");
        if (v < 0 || v > 1024) throw fail("resources.threads must be 0 (all cores) .. 1024");
        r.threads = v;
    } else if (key == "log_level") {
        if (!value.IsScalar()) throw fail("resources.log_level must be a string");
        static const std::vector<std::string> levels{"trace", "debug", "info", "warn", "error", "off"};
        const std::string level = value.Scalar();
        if (std::find(levels.begin(), levels.end(), level) == levels.end())
            throw fail("resources.log_level '" + level + "' is not one of trace, debug, info, warn, error, off" +
                       did_you_mean(level, levels));
        r.log_level = level;
    } else {
        throw fail("unknown key '" + key + "' in 'resources'" + did_you_mean(key, kResourceKeys));
    }
}

std::size_t parse_byte_size(const std::string& text) {
    std::size_t pos = 0;
    double value = 0;
    try {
        value = std::stod(text, &pos);
    } catch (const std::exception&) {
        throw std::invalid_argument("'" + text + "' is not a size (e.g. 2GiB, 512MiB)");
    }
    std::string unit = text.substr(pos);
    unit.erase(0, unit.find_first_not_of(' '));
    static const std::map<std::string, double> units{
        {"", 1},         {"B", 1},         {"KB", 1e3},     {"MB", 1e6},     {"GB", 1e9},
        {"TB", 1e12},    {"KiB", 1024.0},  {"MiB", 1 << 20}, {"GiB", double(1 << 30)},
        {"TiB", 1099511627776.0}, {"K", 1024.0}, {"M", 1 << 20}, {"G", double(1 << 30)}};
    auto it = units.find(unit);
    if (it == units.end() || value < 0 || !std::isfinite(value))
        throw std::invalid_argument("'" + text + "' is not a size (units: B, KiB, MiB, GiB, KB, MB, GB)");
    // Converting a double beyond size_t's range is undefined behaviour ("1e300"): refused.
    const double bytes = value * it->second;
    if (bytes >= std::ldexp(1.0, std::numeric_limits<std::size_t>::digits))
        throw std::invalid_argument("'" + text + "' is too large a size");
    return std::size_t(bytes);
}

PipelineConfig parse_pipeline(const std::string& yaml_text, const fs::path& file) {
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::ParserException& e) {
        throw ConfigError({file.string(), e.mark.line + 1, e.mark.column + 1}, "YAML syntax error: " + e.msg);
    }
    std::set<std::pair<int, int>> checked;
    check_unique_keys(file, root, checked);
    PipelineConfig cfg;
    cfg.file = file;
    if (!root.IsMap()) throw ConfigError({file.string(), 1, 1}, "a pipeline file must be a YAML mapping");
    check_keys(file, root,
               {"version", "name", "description", "resources", "plugin_paths", "model_paths", "stages"},
               "the pipeline");
    if (auto v = root["version"]) {
        int version = scalar<int>(file, v, "'version'", "an integer");
        if (version != 1)
            throw ConfigError(mark_of(file, v), "pipeline format version " + std::to_string(version) +
                                                    " is not supported (this portrait reads version 1)");
    }
    if (auto n = root["name"]) cfg.name = scalar<std::string>(file, n, "'name'", "a string");
    if (auto n = root["description"]) cfg.description = scalar<std::string>(file, n, "'description'", "a string");
    if (auto n = root["resources"]) parse_resources(file, n, cfg.resources);
    if (auto n = root["plugin_paths"]) cfg.plugin_paths = path_list(file, n, "plugin_paths");
    if (auto n = root["model_paths"]) cfg.model_paths = path_list(file, n, "model_paths");
    auto stages = root["stages"];
    if (!stages) throw ConfigError({file.string(), 1, 1}, "the pipeline has no 'stages' list");
    if (!stages.IsSequence()) throw ConfigError(mark_of(file, stages), "'stages' must be a list");
    std::set<std::string> ids;
    for (const auto& node : stages) {
        StageConfig s = parse_stage(file, node);
        if (!ids.insert(s.id).second)
            throw ConfigError(s.mark, "stage id '" + s.id + "' is used twice; give one of them an 'id'");
        cfg.stages.push_back(std::move(s));
    }
    return cfg;
}

PipelineConfig load_pipeline(const fs::path& file) {
    std::ifstream in(file);
    if (!in) throw ConfigError({file.string(), 0, 0}, "cannot read pipeline file");
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_pipeline(ss.str(), file);
}

std::string to_yaml(const PipelineConfig& c) {
    YAML::Emitter out;
    out << YAML::BeginMap << YAML::Key << "version" << YAML::Value << 1;
    if (!c.name.empty()) out << YAML::Key << "name" << YAML::Value << c.name;
    if (!c.description.empty()) out << YAML::Key << "description" << YAML::Value << c.description;
    out << YAML::Key << "resources" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "max_size" << YAML::Value << c.resources.max_size;
    if (c.resources.memory_limit != default_memory_limit())  // the default is the machine's, not the file's
        out << YAML::Key << "memory_limit" << YAML::Value << std::to_string(c.resources.memory_limit);
    out << YAML::Key << "threads" << YAML::Value << c.resources.threads;
    out << YAML::Key << "log_level" << YAML::Value << c.resources.log_level;
    if (c.resources.device != "auto") out << YAML::Key << "device" << YAML::Value << c.resources.device;
    if (c.resources.device_memory_limit)
        out << YAML::Key << "device_memory_limit" << YAML::Value << std::to_string(c.resources.device_memory_limit);
    out << YAML::EndMap;
    auto paths = [&](const char* key, const std::vector<fs::path>& v) {
        if (v.empty()) return;
        out << YAML::Key << key << YAML::Value << YAML::BeginSeq;
        for (const auto& p : v) out << p.string();
        out << YAML::EndSeq;
    };
    paths("plugin_paths", c.plugin_paths);
    paths("model_paths", c.model_paths);
    out << YAML::Key << "stages" << YAML::Value << YAML::BeginSeq;
    for (const auto& s : c.stages) {
        out << YAML::BeginMap << YAML::Key << "stage" << YAML::Value << s.stage;
        if (s.id != s.stage) out << YAML::Key << "id" << YAML::Value << s.id;
        out << YAML::Key << "enabled" << YAML::Value << s.enabled;
        if (!s.params.empty()) {
            out << YAML::Key << "params" << YAML::Value << YAML::BeginMap;
            for (const auto& [k, v] : s.params) out << YAML::Key << k << YAML::Value << v.value;
            out << YAML::EndMap;
        }
        out << YAML::EndMap;
    }
    out << YAML::EndSeq << YAML::EndMap;
    return std::string(out.c_str()) + "\n";
}

}  // namespace portrait
