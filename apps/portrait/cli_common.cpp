#include "cli_common.hpp"

#include <algorithm>
#include <iostream>
#include <limits>
#include <sstream>

#include "commands.hpp"
#include "help_text.hpp"
#include "portrait/runtime/data_dirs.hpp"
#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/logging.hpp"
#include "portrait/runtime/plugin_trust.hpp"
#include "portrait/runtime/suggest.hpp"

namespace po = boost::program_options;

namespace portrait::cli {

GlobalOptions& globals() {
    static GlobalOptions g;
    return g;
}

void add_pipeline_options(po::options_description& desc) {
    desc.add_options()
        ("pipeline,p", po::value<std::string>()->value_name("FILE"), "pipeline YAML file (default: pipelines/default.yaml)")
        ("set", po::value<std::vector<std::string>>()->composing()->value_name("KEY=VALUE"), "override a parameter: STAGE.PARAM=VALUE or resources.KEY=VALUE (repeatable)")
        ("enable", po::value<std::vector<std::string>>()->composing()->value_name("ID"), "enable a stage of the pipeline by id (repeatable)")
        ("disable", po::value<std::vector<std::string>>()->composing()->value_name("ID"), "disable a stage of the pipeline by id (repeatable)")
        ("allow-pipeline-plugins", "load the plugin folders the pipeline file lists (plugin_paths): native code; only folders and files no other user can write are loaded");
}

void add_resource_options(po::options_description& desc) {
    // Strings, so that the pipeline's check reads them exactly as it reads the file.
    desc.add_options()
        ("threads", po::value<std::string>()->value_name("N"), "threads in all, 0 .. 1024 (default: resources.threads, 0 = all cores)")
        ("max-size", po::value<std::string>()->value_name("PIXELS"), "longest side stages work on, 0 or at least 64 (default: resources.max_size, 1920)")
        ("memory-limit", po::value<std::string>()->value_name("SIZE"), "memory budget, e.g. 2GiB; 0 = none (default: resources.memory_limit, else half of the machine's memory)")
        ("device", po::value<std::string>()->value_name("DEVICE"), "where LibTorch stages run: auto, cpu, cuda or cuda:N (default: resources.device, auto = the first GPU when LibTorch has CUDA, else the CPU)")
        ("device-memory-limit", po::value<std::string>()->value_name("SIZE"), "GPU memory budget for the stages, e.g. 8GiB; 0 = none (default: resources.device_memory_limit)");
}

void apply_resource_options(const po::variables_map& vm, PipelineConfig& cfg) {
    static const std::pair<const char*, const char*> options[] = {
        {"threads", "threads"}, {"max-size", "max_size"}, {"memory-limit", "memory_limit"},
        {"device", "device"}, {"device-memory-limit", "device_memory_limit"}};
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

const po::options_description& common_options() {
    static const po::options_description desc = [] {
        po::options_description d;
        d.add_options()
            ("help,h", "show this help and exit")
            ("quiet,q", "errors only: no progress, warnings or summary")
            ("verbose,v", "log at debug level");
        return d;
    }();
    return desc;
}

const std::vector<std::string>& progress_choices() {
    static const std::vector<std::string> v{"auto", "always", "never"};
    return v;
}

const std::vector<std::string>& format_choices() {
    static const std::vector<std::string> v{"jpg", "png", "webp", "tif", "bmp"};
    return v;
}

const std::vector<std::string>& log_level_choices() {
    static const std::vector<std::string> v{"trace", "debug", "info", "warn", "error", "off"};
    return v;
}

namespace {

// "portrait models fetch NAME... [options]" -> "models fetch": the lowercase words.
std::string command_path_of(const std::string& usage) {
    std::istringstream words(usage.substr(0, usage.find('\n')));
    std::string w, path;
    words >> w;  // "portrait"
    while (words >> w && std::all_of(w.begin(), w.end(), [](char c) { return (c >= 'a' && c <= 'z') || c == '-'; }))
        path += (path.empty() ? "" : " ") + w;
    return path;
}

std::string unknown_option_message(const std::string& typed, const po::options_description& all) {
    const std::string name = typed.substr(0, typed.find('='));
    std::vector<std::string> known;
    for (const auto& o : all.options()) {
        if (!o->long_name().empty()) known.push_back("--" + o->long_name());
        const std::string shown = o->format_name();
        if (shown.size() >= 2 && shown[0] == '-' && shown[1] != '-') known.push_back(shown.substr(0, 2));
    }
    // The options that only go before the command get a hint where to put them.
    const std::string bare = name.rfind("--", 0) == 0 ? name.substr(2) : "";
    if (!bare.empty() && global_options().find_nothrow(bare, false))
        return "unknown option '" + name + "': " + name + " is a global option, it goes before the command ('portrait " +
               name + " ... " + globals().command_path + " ...')";
    return "unknown option '" + name + "'" + did_you_mean(name, known);
}

// -q and -v after the command mean what they mean before it; the last one given wins, as
// before the command.
void apply_common_options(const po::variables_map& vm, const std::vector<std::string>& args) {
    bool quiet = vm.count("quiet") != 0, verbose = vm.count("verbose") != 0;
    if (!quiet && !verbose) return;
    if (quiet && verbose)
        for (const auto& a : args) {
            if (a == "--") break;
            if (a == "-q" || a == "--quiet") quiet = !(verbose = false);
            if (a == "-v" || a == "--verbose") verbose = !(quiet = false);
        }
    GlobalOptions& g = globals();
    g.quiet = quiet;
    g.log_level = quiet ? "error" : "debug";
    g.log_level_given = true;
    init_logging({g.log_level, g.log_file, true});
}

}  // namespace

std::string command_help(const CommandSpec& spec) {
    std::vector<OptionRow> rows = option_rows(spec.options, &spec.positional);
    for (auto& r : option_rows(common_options(), nullptr)) rows.push_back(std::move(r));
    return "usage: " + spec.usage + "\n\nOptions:\n" + format_rows(rows);
}

bool parse(const std::vector<std::string>& args, const po::options_description& desc,
           const po::positional_options_description* pos, po::variables_map& vm, const std::string& usage) {
    const std::string path = command_path_of(usage);
    globals().command_path = path;
    CommandSpec spec{path, usage, desc, pos ? *pos : po::positional_options_description()};
    if (globals().harvesting) throw spec;
    po::options_description all(desc);
    all.add(common_options());
    // Positions past the last the command takes land here, so they can be named and refused.
    po::options_description parsing(all);
    parsing.add_options()("extra-args", po::value<std::vector<std::string>>());
    po::positional_options_description positional = spec.positional;
    if (positional.max_total_count() != std::numeric_limits<unsigned>::max()) positional.add("extra-args", -1);
    try {
        po::store(po::command_line_parser(args).options(parsing).positional(positional).run(), vm);
    } catch (const po::unknown_option& e) {
        throw SyntaxError(unknown_option_message(e.get_option_name(), all));
    } catch (const po::error& e) {
        throw SyntaxError(e.what());
    }
    if (vm.count("help")) {
        std::cout << command_help(spec);
        return true;
    }
    if (vm.count("extra-args")) {
        const auto extra = vm["extra-args"].as<std::vector<std::string>>();
        throw SyntaxError("unexpected argument '" + extra.front() + "'" +
                          (extra.size() > 1 ? " (and " + std::to_string(extra.size() - 1) + " more)" : ""));
    }
    try {
        po::notify(vm);
    } catch (const po::error& e) {
        throw SyntaxError(e.what());
    }
    apply_common_options(vm, args);
    return false;
}

}  // namespace portrait::cli
