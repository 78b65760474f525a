// portrait plugins: what was loaded, from where, and what was refused.
#include <iostream>

#include "cli_common.hpp"

namespace po = boost::program_options;

namespace portrait::cli {

int cmd_plugins(const std::vector<std::string>& args) {
    po::options_description desc("plugins options");
    desc.add_options()("plugin-dir", po::value<std::vector<std::string>>()->composing()->value_name("DIR"), "also load plugins from this folder");
    po::variables_map vm;
    if (parse(args, desc, nullptr, vm, "portrait plugins [--plugin-dir DIR]\n\nThe plugin search path, each plugin loaded (version, licence, file, stages) and\nthe files that were refused, with the reason.")) return kOk;
    std::vector<std::filesystem::path> extra;
    if (vm.count("plugin-dir"))
        for (const auto& d : vm["plugin-dir"].as<std::vector<std::string>>()) extra.emplace_back(d);
    PluginRegistry registry;
    load_plugins(registry, extra);
    std::cout << "plugin search path:\n";
    for (const auto& d : PluginRegistry::default_search_path()) std::cout << "  " << d.string() << "\n";
    for (const auto& d : extra) std::cout << "  " << d.string() << "\n";
    for (const auto& p : registry.plugins()) {
        std::cout << "\n" << p->name << " " << p->version << " (" << p->license << ") - " << p->description
                  << "\n  file: " << p->path.string() << "\n  stages:";
        for (const auto& [name, e] : registry.stages())
            if (e.plugin == p) std::cout << " " << name;
        std::cout << "\n";
    }
    for (const auto& r : registry.refusals()) std::cout << "\nrefused " << r.path.string() << ": " << r.reason << "\n";
    return kOk;
}

}  // namespace portrait::cli
