// portrait: offline portrait beautification with YAML pipelines of plugin stages.
#include <iostream>
#include <string>
#include <vector>

#include "cli_common.hpp"
#include "commands.hpp"
#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/logging.hpp"
#include "portrait/runtime/suggest.hpp"
#include "portrait/runtime/temp_dir.hpp"
#include "portrait/version.hpp"

namespace {

namespace cli = portrait::cli;
namespace po = boost::program_options;

// A mistake before the command: said on stderr with the way to the help, exit 2.
int usage_error(const std::string& message) {
    std::cerr << "portrait: " << message << "\nTry 'portrait --help' for more information.\n";
    return cli::kUsage;
}

std::vector<std::string> global_option_names() {
    std::vector<std::string> names;
    for (const auto& o : cli::global_options().options()) {
        names.push_back("--" + o->long_name());
        const std::string shown = o->format_name();
        if (shown.size() >= 2 && shown[1] != '-') names.push_back(shown.substr(0, 2));
    }
    return names;
}

}  // namespace

int main(int argc, char** argv) {
    portrait::install_signal_handling();
    std::vector<std::string> args(argv + 1, argv + argc);
    portrait::LogOptions log;
    log.file = portrait::default_log_file();
    cli::GlobalOptions& g = cli::globals();
    // The global options, up to the command: looked up in their table, so that the help,
    // the man page and the completion name the same ones.
    std::size_t i = 0;
    for (; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.size() < 2 || a[0] != '-') break;
        if (a == "--") {
            ++i;
            break;
        }
        std::string name = a, value;
        bool inline_value = false;
        if (const auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
            name = a.substr(0, eq);
            value = a.substr(eq + 1);
            inline_value = true;
        }
        const po::option_description* o =
            cli::global_options().find_nothrow(name.rfind("--", 0) == 0 ? name.substr(2) : name, false);
        if (!o) {
            const std::string hint = portrait::did_you_mean(name, global_option_names());
            return usage_error("unknown option '" + name + "'" +
                               (hint.empty() ? " (options of a command go after its name)" : hint));
        }
        const std::string& opt = o->long_name();
        if (o->semantic()->max_tokens() > 0 && !inline_value) {
            if (i + 1 >= args.size()) return usage_error(name + " needs a value (" + o->description() + ")");
            value = args[++i];
        } else if (o->semantic()->max_tokens() == 0 && inline_value) {
            return usage_error(name + " takes no value");
        }
        if (opt == "version") {
            std::cout << "portrait " << PORTRAIT_VERSION_STRING << "\nplugin ABI " << PORTRAIT_PLUGIN_ABI_VERSION << "\n";
            return 0;
        } else if (opt == "help") {
            if (i + 1 < args.size()) {  // "portrait --help run" is "portrait help run", as in git
                args[i] = "help";
                break;
            }
            std::cout << cli::main_help();
            return 0;
        } else if (opt == "verbose") {
            log.level = "debug";
            g.log_level_given = true;
            g.quiet = false;
        } else if (opt == "quiet") {
            log.level = "error";
            g.log_level_given = true;
            g.quiet = true;
        } else if (opt == "log-level") {
            log.level = value;
            g.log_level_given = true;
        } else if (opt == "log-file") {
            log.file = value;
        }
    }
    if (i >= args.size()) {
        std::cerr << cli::main_help();
        return cli::kUsage;
    }
    try {
        // resources.log_level's own check, so the option and the file accept the same levels.
        portrait::ResourcesConfig r;
        portrait::set_resource(r, "log_level", YAML::Node(log.level), {"--log-level " + log.level});
    } catch (const portrait::ConfigError& e) {
        std::cerr << "portrait: " << e.what() << "\n";  // names the option, the value and what it may be
        return cli::kUsage;
    }
    const std::string cmd = args[i];
    const cli::Command* command = cli::find_command(cli::commands(), cmd);
    if (!command)
        return usage_error("unknown command '" + cmd + "'" + portrait::did_you_mean(cmd, cli::command_names(cli::commands())));
    if (cmd == "help" || cmd == "completion") log.file.clear();  // nothing to keep a log of
    portrait::init_logging(log);
    g.log_level = log.level;
    g.log_file = log.file;
    g.command_path = cmd;
    const std::vector<std::string> rest(args.begin() + long(i) + 1, args.end());
    try {
        return command->run(rest);
    } catch (const cli::SyntaxError& e) {
        const std::string path = g.command_path.empty() ? cmd : g.command_path;
        std::cerr << "portrait " << path << ": " << e.what() << "\nTry 'portrait " << path
                  << " --help' for more information.\n";
    } catch (const portrait::ConfigError& e) {
        std::cerr << "portrait: " << e.what() << "\n";
    } catch (const portrait::UsageError& e) {
        std::cerr << "portrait " << cmd << ": " << e.what() << "\n";
    } catch (const std::exception& e) {
        std::cerr << "portrait " << cmd << ": " << e.what() << "\n";
    }
    return cli::kUsage;
}
