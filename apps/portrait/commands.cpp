#include "commands.hpp"

#include <algorithm>

#include "help_text.hpp"

namespace po = boost::program_options;

namespace portrait::cli {

const std::vector<Command>& commands() {
    static const std::vector<Command> list{
        {"run", "INPUT... -o DIR", "process images (files, folders or globs) with a pipeline", cmd_run, {}},
        {"validate", "PIPELINE", "check a pipeline file without loading images or models", cmd_validate, {}},
        {"plugins", "", "list loaded plugins, their versions, stages and files", cmd_plugins, {}},
        {"describe", "STAGE", "a stage's parameters, needs and provides", cmd_describe, {}},
        {"models", "COMMAND", "list, fetch, convert and pack model files", cmd_models, models_commands()},
        {"report", "merge SHARD.json... -o FILE", "merge the reports of a sharded batch (docs/scale-out.md)", cmd_report,
         {{"merge", "SHARD.json... -o ALL.json|ALL.html", "one report from the shards' reports", nullptr, {}}}},
        {"help", "[COMMAND]", "a command's help ('portrait help run' is 'portrait run --help')", cmd_help, {}},
        {"completion", "bash", "the bash completion script (see 'portrait help completion')", cmd_completion, {}},
    };
    return list;
}

const Command* find_command(const std::vector<Command>& list, const std::string& name) {
    for (const auto& c : list)
        if (c.name == name) return &c;
    return nullptr;
}

std::vector<std::string> command_names(const std::vector<Command>& list) {
    std::vector<std::string> names;
    for (const auto& c : list) names.push_back(c.name);
    return names;
}

const po::options_description& global_options() {
    static const po::options_description desc = [] {
        po::options_description d("Options");
        d.add_options()
            ("help,h", "this help; after a command, the command's help")
            ("version,V", "print the version and exit")
            ("verbose,v", "log at debug level (before or after the command)")
            ("quiet,q", "errors only: no progress, warnings or summary (before or after the command)")
            ("log-level", po::value<std::string>()->value_name("LEVEL"), "trace, debug, info, warn, error or off")
            ("log-file", po::value<std::string>()->value_name("FILE"),
             "rotating log file (default: ~/.cache/portrait/logs/portrait.log)");
        return d;
    }();
    return desc;
}

const std::vector<Note>& environment() {
    static const std::vector<Note> list{
        {"PORTRAIT_PLUGIN_PATH", "extra plugin folders (colon-separated)"},
        {"PORTRAIT_MODELS", "extra model folders (colon-separated)"},
        {"PORTRAIT_CACHE", "cache for fetched and converted models and the log (~/.cache/portrait)"},
        {"NO_COLOR", "set to anything but empty: no colour in messages"},
        {"COLUMNS", "terminal width for the progress bar when the terminal does not tell"},
    };
    return list;
}

const std::vector<Note>& exit_statuses() {
    static const std::vector<Note> list{
        {"0", "success"},
        {"1", "some images failed (the others were written), or the report could not be written"},
        {"2", "usage or configuration error, found before any image was read (bad option or -o folder, "
              "pipeline file, missing plugin or model)"},
        {"130", "stopped by Ctrl-C (SIGINT): images in flight finished or dropped, report written"},
        {"143", "stopped by SIGTERM, the same way (during 'run'); a second signal exits at once"},
    };
    return list;
}

std::string format_commands(const std::vector<Command>& list) {
    std::vector<OptionRow> rows;
    for (const auto& c : list) rows.push_back({"", c.name + (c.synopsis.empty() ? "" : " " + c.synopsis), "", c.summary});
    return format_rows(rows);
}

std::string format_notes(const std::vector<Note>& list) {
    std::vector<OptionRow> rows;
    std::size_t widest = 0;
    for (const auto& n : list) {
        rows.push_back({"", n.name, "", n.text});
        widest = std::max(widest, n.name.size());
    }
    return format_rows(rows, 80, std::min<std::size_t>(widest + 4, 32));
}

std::string main_help() {
    return "usage: portrait [OPTIONS] COMMAND [ARGS]\n\n"
           "Offline portrait beautification: YAML pipelines of plugin stages\n"
           "(face mesh, face slimming, skin retouching, portrait enhancement).\n\n"
           "Commands:\n" + format_commands(commands()) +
           "\nOptions (before the command; -h, -q and -v also after it):\n" +
           format_rows(option_rows(global_options(), nullptr)) +
           "\n'portrait help COMMAND' or 'portrait COMMAND --help' shows a command's options.\n"
           "\nEnvironment:\n" + format_notes(environment()) + "\nExit status:\n" + format_notes(exit_statuses());
}

std::vector<CommandSpec> command_specs() {
    std::vector<CommandSpec> specs;
    globals().harvesting = true;
    auto ask = [&](const Command& c, const std::vector<std::string>& args) {
        try {
            c.run(args);
        } catch (CommandSpec& spec) {
            specs.push_back(std::move(spec));
        }
    };
    for (const auto& c : commands()) {
        if (c.subcommands.empty()) ask(c, {});
        for (const auto& sub : c.subcommands) ask(c, {sub.name});
    }
    globals().harvesting = false;
    return specs;
}

}  // namespace portrait::cli
