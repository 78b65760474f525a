#include "cli_common.hpp"

#include <iostream>

#include "portrait/runtime/data_dirs.hpp"
#include "portrait/runtime/errors.hpp"

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
        ("disable", po::value<std::vector<std::string>>()->composing(), "disable a stage of the pipeline by id (repeatable)");
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

void load_plugins(PluginRegistry& registry, const std::vector<std::filesystem::path>& extra) {
    for (const auto& d : PluginRegistry::default_search_path()) registry.load_directory(d);
    for (const auto& d : extra) registry.load_directory(d);
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
