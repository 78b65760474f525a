// portrait validate: check a pipeline without loading images or models.
#include <iostream>

#include "cli_common.hpp"
#include "portrait/runtime/errors.hpp"

namespace po = boost::program_options;

namespace portrait::cli {

int cmd_validate(const std::vector<std::string>& args) {
    po::options_description desc("validate options");
    desc.add_options()("file", po::value<std::string>()->value_name("PIPELINE"), "pipeline YAML file");
    add_pipeline_options(desc);
    po::positional_options_description pos;
    pos.add("file", 1);
    po::variables_map vm;
    const std::string usage =
        "portrait validate [options] PIPELINE.yaml\n\n"
        "Checks a pipeline file (stages, parameters, needs, resources) against the loaded\n"
        "plugins without reading images or loading models; with -q, only errors are printed.";
    if (parse(args, desc, &pos, vm, usage)) return kOk;
    std::vector<std::string> a = args;
    if (vm.count("file") && !vm.count("pipeline")) {
        a.push_back("-p");
        a.push_back(vm["file"].as<std::string>());
        vm.clear();
        parse(a, desc, &pos, vm, usage);
    }
    PipelineConfig cfg = load_pipeline_from(vm);
    PluginRegistry registry;
    load_plugins(registry, cfg, vm);
    ResolvedPipeline r = validate_pipeline(cfg, registry);
    if (globals().quiet) return kOk;  // the exit status says it
    std::cout << cfg.file.string() << ": ok (" << r.stages.size() << " enabled stage(s):";
    for (const auto& s : r.stages) std::cout << " " << s.id;
    std::cout << ")\n";
    return kOk;
}

}  // namespace portrait::cli
