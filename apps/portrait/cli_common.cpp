#include "cli_common.hpp"

#include <iostream>

#include "portrait/runtime/data_dirs.hpp"
#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/plugin_trust.hpp"

namespace po = boost::program_options;

namespace portrait::cli {

GlobalOptions& globals() {
    static GlobalOptions g;
    return g;
}

void add_pipeline_options(po::options_description& desc) {
    desc.add_options()
        ("pipeline,p", po::value<std::string>(), "pipeline YAML file (default: pipelines/default.yaml)")
        ("set", po::value<std::vector<std::string>>()->composing(), "override a parameter: STAGE.PARAM=VALUE or resources.KEY=VALUE (repeatable)")
        ("enable", po::value<std::vector<std::string>>()->composing(), "enable a stage of the pipeline by id (repeatable)")
        ("disable", po::value<std::vector<std::string>>()->composing(), "disable a stage of the pipeline by id (repeatable)")
        ("allow-pipeline-plugins", "load the plugin folders the pipeline file lists (plugin_paths): native code; only folders and files no other user can write are loaded");
}

void add_resource_options(po::options_description& desc) {
    // Strings, so that the pipeline's check reads them exactly as it reads the file.
    desc.add_options()
        ("threads", po::value<std::string>(), "threads in all, 0 .. 1024 (default: resources.threads, 0 = all cores)")
        ("max-size", po::value<std::string>(), "longest side stages work on, 0 or at least 64 (default: resources.max_size, 1920)")
        ("memory-limit", po::value<std::string>(), "memory budget, e.g. 2GiB; 0 = none (default: resources.memory_limit, else half of the machine's memory)");
}

void apply_resource_options(const po::variables_map& vm, PipelineConfig& cfg) {
    static const std::pair<const char*, const char*> options[] = {
        {"threads", "threads"}, {"max-size", "max_size"}, {"memory-limit", "memory_limit"}};
    for (const auto& [option, key] : options) {
        if (!vm.count(option)) continue;
        const std::string text = vm[option].as<std::string>();
        set_resource(cfg.resources, key, YAML::Node(text), {std::string("--") + option + " " + text});
    }
}

int workers_option(const po::variables_map& vm) {
    if (!vm.count("workers")) return 0;
    const int n = vm["workers"].as<int>();
    // No more images in flight than threads can exist (resources.threads' limit).
    if (n < 1 || n > 1024) throw UsageError("--workers " + std::to_string(n) + ": must be 1 .. 1024");
    return n;
}

void prepare_output_dir(const std::filesystem::path& dir) {
    std::error_code ec;
    if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec))
        throw UsageError("-o " + dir.string() + ": exists and is not a folder");
    std::filesystem::create_directories(dir, ec);
    if (ec) throw UsageError("-o " + dir.string() + ": cannot create the folder: " + ec.message());
    // A folder that exists but is read-only is left to the writes: each image fails (exit 1).
}

std::filesystem::path default_pipeline_path() {
    auto p = find_data("pipelines/default.yaml");
    if (p.empty()) throw UsageError("the default pipeline pipelines/default.yaml was not found; pass -p FILE");
    return p;
}

PipelineConfig load_pipeline_from(const po::variables_map& vm) {
    std::filesystem::path file = vm.count("pipeline") ? std::filesystem::path(vm["pipeline"].as<std::string>())
                                                      : default_pipeline_path();
    PipelineConfig cfg = load_pipeline(file);
    PipelineOverrides o;
    if (vm.count("set")) o.set = vm["set"].as<std::vector<std::string>>();
    if (vm.count("enable")) o.enable = vm["enable"].as<std::vector<std::string>>();
    if (vm.count("disable")) o.disable = vm["disable"].as<std::vector<std::string>>();
    apply_overrides(cfg, o);
    return cfg;
}

void load_plugins(PluginRegistry& registry, const std::vector<std::filesystem::path>& chosen) {
    for (const auto& d : PluginRegistry::default_search_path()) registry.load_directory(d);
    for (const auto& d : chosen) registry.load_directory(d);
}

void load_plugins(PluginRegistry& registry, const PipelineConfig& cfg, const po::variables_map& vm) {
    for (const auto& d : PluginRegistry::default_search_path()) registry.load_directory(d);
    const bool allowed = vm.count("allow-pipeline-plugins") || pipeline_plugins_allowed_by_environment();
    registry.load_pipeline_folders(cfg.plugin_paths, cfg.file, allowed);
}

bool parse(const std::vector<std::string>& args, const po::options_description& desc,
           const po::positional_options_description* pos, po::variables_map& vm, const std::string& usage) {
    po::options_description all(desc);
    all.add_options()("help,h", "show this help");
    auto parser = po::command_line_parser(args).options(all);
    if (pos) parser.positional(*pos);
    try {
        po::store(parser.run(), vm);
        po::notify(vm);
    } catch (const po::error& e) {
        throw UsageError(e.what());
    }
    if (vm.count("help")) {
        std::cout << "usage: " << usage << "\n\n" << all << "\n";
        return true;
    }
    return false;
}

}  // namespace portrait::cli
