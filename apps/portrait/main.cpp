// portrait: offline portrait beautification with YAML pipelines of plugin stages.
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "cli_common.hpp"
#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/logging.hpp"
#include "portrait/runtime/temp_dir.hpp"
#include "portrait/version.hpp"

namespace {

const char* kHelp = R"(usage: portrait [--version] [--help] COMMAND [ARGS]

Offline portrait beautification: YAML pipelines of plugin stages
(face mesh, face slimming, skin retouching, portrait enhancement).

Commands:
  run INPUT... -o DIR     process images (files or folders) with a pipeline
  validate PIPELINE       check a pipeline file without loading images or models
  plugins                 list loaded plugins, their versions, stages and files
  describe STAGE          a stage's parameters, needs and provides
  models ...              list, fetch, convert and pack model files

Global options (before the command):
  -h, --help              this help
  -V, --version           print the version and exit
  -v, --verbose           log at debug level
  -q, --quiet             log warnings and errors only
  --log-level LEVEL       trace, debug, info, warn, error or off
  --log-file FILE         rotating log file (default ~/.cache/portrait/logs/portrait.log)

'portrait COMMAND --help' shows a command's options.

Environment:
  PORTRAIT_PLUGIN_PATH    extra plugin folders (colon-separated)
  PORTRAIT_MODELS         extra model folders (colon-separated)
  PORTRAIT_CACHE          cache for fetched and converted models (~/.cache/portrait)
  NO_COLOR                disable coloured output

Exit status:
  0    success
  1    some images failed (the others were written), or the report could not be written
  2    usage or configuration error, found before any image was read (bad option or
       -o folder, pipeline file, missing plugin or model)
  130  stopped by Ctrl-C (SIGINT): images in flight finished or dropped, report written
  143  stopped by SIGTERM, the same way (during 'run'); a second signal exits at once
)";

}  // namespace

int main(int argc, char** argv) {
    portrait::install_signal_handling();
    std::vector<std::string> args(argv + 1, argv + argc);
    portrait::LogOptions log;
    log.file = portrait::default_log_file();
    std::size_t i = 0;
    for (; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--version" || a == "-V") {
            std::cout << "portrait " << PORTRAIT_VERSION_STRING << "\nplugin ABI " << PORTRAIT_PLUGIN_ABI_VERSION << "\n";
            return 0;
        } else if (a == "--help" || a == "-h") {
            std::cout << kHelp;
            return 0;
        } else if (a == "-v" || a == "--verbose") {
            log.level = "debug";
            portrait::cli::globals().log_level_given = true;
        } else if (a == "-q" || a == "--quiet") {
            log.level = "warn";
            portrait::cli::globals().log_level_given = true;
        } else if (a == "--log-level" && i + 1 < args.size()) {
            log.level = args[++i];
            portrait::cli::globals().log_level_given = true;
        } else if (a == "--log-file" && i + 1 < args.size()) {
            log.file = args[++i];
        } else {
            break;
        }
    }
    if (i >= args.size()) {
        std::cerr << kHelp;
        return portrait::cli::kUsage;
    }
    try {
        // resources.log_level's own check, so the option and the file accept the same levels.
        portrait::ResourcesConfig r;
        portrait::set_resource(r, "log_level", YAML::Node(log.level), {"--log-level " + log.level});
    } catch (const portrait::ConfigError& e) {
        std::cerr << "portrait: " << e.what() << "\n";
        return portrait::cli::kUsage;
    }
    portrait::init_logging(log);
    portrait::cli::globals().log_level = log.level;
    portrait::cli::globals().log_file = log.file;
    const std::string cmd = args[i];
    std::vector<std::string> rest(args.begin() + long(i) + 1, args.end());
    using Fn = int (*)(const std::vector<std::string>&);
    static const std::map<std::string, Fn> commands{{"run", portrait::cli::cmd_run},
                                                   {"validate", portrait::cli::cmd_validate},
                                                   {"plugins", portrait::cli::cmd_plugins},
                                                   {"describe", portrait::cli::cmd_describe},
                                                   {"models", portrait::cli::cmd_models}};
    auto it = commands.find(cmd);
    if (it == commands.end()) {
        std::cerr << "portrait: unknown command '" << cmd << "'; see 'portrait --help'\n";
        return portrait::cli::kUsage;
    }
    try {
        return it->second(rest);
    } catch (const portrait::ConfigError& e) {
        std::cerr << "portrait: " << e.what() << "\n";
    } catch (const portrait::UsageError& e) {
        std::cerr << "portrait " << cmd << ": " << e.what() << "\n";
    } catch (const std::exception& e) {
        std::cerr << "portrait " << cmd << ": " << e.what() << "\n";
    }
    return portrait::cli::kUsage;
}
