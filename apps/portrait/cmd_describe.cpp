// portrait describe STAGE: parameters with type, default, range and meaning.
#include <iostream>

#include "cli_common.hpp"
#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/suggest.hpp"

namespace po = boost::program_options;

namespace portrait::cli {

int cmd_describe(const std::vector<std::string>& args) {
    po::options_description desc("describe options");
    desc.add_options()("stage", po::value<std::string>()->value_name("STAGE"), "stage name")
        ("plugin-dir", po::value<std::vector<std::string>>()->composing()->value_name("DIR"), "also load plugins from this folder");
    po::positional_options_description pos;
    pos.add("stage", 1);
    po::variables_map vm;
    if (parse(args, desc, &pos, vm, "portrait describe STAGE\n\nA stage's parameters (type, default, range, meaning), what it needs and provides.")) return kOk;
    if (!vm.count("stage")) throw SyntaxError("which stage? 'portrait plugins' lists them");
    std::vector<std::filesystem::path> extra;
    if (vm.count("plugin-dir"))
        for (const auto& d : vm["plugin-dir"].as<std::vector<std::string>>()) extra.emplace_back(d);
    PluginRegistry registry;
    load_plugins(registry, extra);
    const std::string name = vm["stage"].as<std::string>();
    const StageEntry* e = registry.find(name);
    if (!e) throw UsageError("unknown stage '" + name + "'" + did_you_mean(name, registry.stage_names()));
    const StageSpec& s = e->spec;
    std::cout << s.name << ": " << s.description << "\n  plugin: " << e->plugin->name << " " << e->plugin->version
              << " (" << e->plugin->path.string() << ")\n";
    auto list = [](const std::vector<std::string>& v) {
        std::string out;
        for (const auto& x : v) out += (out.empty() ? "" : ", ") + x;
        return out.empty() ? std::string("nothing") : out;
    };
    std::cout << "  needs: " << list(s.needs) << "\n  provides: " << list(s.provides) << "\n"
              << "  runs on several images at once: " << (s.concurrent ? "yes" : "no") << "\n\nparameters:\n";
    for (const auto& p : s.params) {
        std::cout << "  " << p.name << " (" << to_string(p.type) << ", default " << to_string(p.default_value);
        if (p.type == ParamType::Int || p.type == ParamType::Float) std::cout << ", range " << p.min << " .. " << p.max;
        if (p.type == ParamType::Choice) std::cout << ", one of " << list(p.choices);
        std::cout << ")\n      " << p.doc << "\n";
    }
    return kOk;
}

}  // namespace portrait::cli
