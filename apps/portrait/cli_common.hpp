// What every `portrait` subcommand shares: exit codes, plugin and pipeline loading.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/pipeline.hpp"
#include "portrait/runtime/plugin_registry.hpp"

namespace portrait::cli {

// Exit codes (documented in --help and README.md): 1 also when the batch's report could
// not be written; 128 + signal after SIGINT (130) or SIGTERM (143) stopped a batch.
enum Exit : int { kOk = 0, kSomeFailed = 1, kUsage = 2 };

// Logging as set by the global options; `log_level_given` is true when the command
// line chose the level (it then wins over the pipeline's resources.log_level).
struct GlobalOptions {
    std::string log_level = "info";
    std::filesystem::path log_file;
    bool log_level_given = false;
    bool quiet = false;        // -q: errors only, no progress, no summary
    std::string command_path;  // "run", "models fetch": the command parse() last read
    bool harvesting = false;   // parse() hands its option table back (CommandSpec) instead
};
GlobalOptions& globals();

// A mistake in the command line itself (an unknown option, a missing or extra argument):
// reported with a pointer to the command's --help, exit 2.
class SyntaxError : public UsageError {
public:
    using UsageError::UsageError;
};

// What parse() was given: a command's usage text, options and positional arguments. The
// help text, `portrait help --man` and `portrait completion bash` all read these tables.
struct CommandSpec {
    std::string path;  // "run", "models fetch"
    std::string usage;
    boost::program_options::options_description options;
    boost::program_options::positional_options_description positional;
};

// -h, -q and -v, which every command accepts after its name too.
const boost::program_options::options_description& common_options();
// A command's --help: its usage text and its options, the common ones last.
std::string command_help(const CommandSpec& spec);

// Fixed values an option accepts, for its check, the help text and shell completion.
const std::vector<std::string>& progress_choices();   // --progress
const std::vector<std::string>& format_choices();     // --format
const std::vector<std::string>& log_level_choices();  // --log-level

// Adds --set/--enable/--disable/-p to a subcommand's options.
void add_pipeline_options(boost::program_options::options_description& desc);
// The pipeline named by -p (or the default), with the overrides applied.
PipelineConfig load_pipeline_from(const boost::program_options::variables_map& vm);
// Adds --threads/--max-size/--memory-limit, which replace resources.* values.
void add_resource_options(boost::program_options::options_description& desc);
// Applies them to cfg through the pipeline's own check (set_resource): same limits as the
// YAML file; a ConfigError names the option ("--max-size 10: resources.max_size must be ...").
void apply_resource_options(const boost::program_options::variables_map& vm, PipelineConfig& cfg);
// --workers N, checked: 1 .. 1024 (0 when not given: the batch picks).
int workers_option(const boost::program_options::variables_map& vm);
// Creates the -o folder up front; UsageError when it names a file or cannot be created.
void prepare_output_dir(const std::filesystem::path& dir);
// Plugins from the default search path plus folders the user named (--plugin-dir).
void load_plugins(PluginRegistry& registry, const std::vector<std::filesystem::path>& chosen);
// Plugins from the default search path, plus the pipeline's plugin_paths when the user
// allowed them (--allow-pipeline-plugins or PORTRAIT_ALLOW_PIPELINE_PLUGINS=1).
void load_plugins(PluginRegistry& registry, const PipelineConfig& cfg,
                  const boost::program_options::variables_map& vm);
std::filesystem::path default_pipeline_path();

int cmd_run(const std::vector<std::string>& args);
int cmd_validate(const std::vector<std::string>& args);
int cmd_plugins(const std::vector<std::string>& args);
int cmd_describe(const std::vector<std::string>& args);
int cmd_models(const std::vector<std::string>& args);
int cmd_report(const std::vector<std::string>& args);
int cmd_help(const std::vector<std::string>& args);
int cmd_completion(const std::vector<std::string>& args);

// Parses args into vm with desc (and optional positional); prints help if --help.
// Returns true if the caller should stop (help printed). `usage` starts with the command
// line ("portrait models fetch NAME..."): its lowercase words name the command. Unknown
// options (with "did you mean"), extra arguments and bad values throw SyntaxError; -q and
// -v set the log level. While globals().harvesting, throws the CommandSpec instead.
bool parse(const std::vector<std::string>& args, const boost::program_options::options_description& desc,
           const boost::program_options::positional_options_description* pos,
           boost::program_options::variables_map& vm, const std::string& usage);

}  // namespace portrait::cli
