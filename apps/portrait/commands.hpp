// The tables `portrait` is described by: its commands with their one-line summaries, the
// global options, the environment and the exit statuses. --help, `portrait help --man` and
// `portrait completion bash` are all made from these and from each command's own option
// table (CommandSpec, as parse() receives it), so they cannot disagree.
#pragma once

#include <string>
#include <vector>

#include "cli_common.hpp"

namespace portrait::cli {

struct Command {
    std::string name;      // "run"
    std::string synopsis;  // "INPUT... -o DIR"
    std::string summary;   // one line
    int (*run)(const std::vector<std::string>& args) = nullptr;
    std::vector<Command> subcommands;  // `models`: list, path, ...; their `run` is unused
};

const std::vector<Command>& commands();
// The `models` subcommands (defined with them, in cmd_models.cpp).
const std::vector<Command>& models_commands();
const Command* find_command(const std::vector<Command>& list, const std::string& name);
std::vector<std::string> command_names(const std::vector<Command>& list);

// Options before the command (-h, -q and -v are accepted after it too: common_options()).
const boost::program_options::options_description& global_options();

struct Note {
    std::string name, text;
};
const std::vector<Note>& environment();
const std::vector<Note>& exit_statuses();
// The variables only `portrait models` reads (defined with it, in cmd_models.cpp).
const std::vector<Note>& models_environment();

// `portrait --help`.
std::string main_help();
// A "Commands:" list: "  run INPUT... -o DIR     process images ...".
std::string format_commands(const std::vector<Command>& list);
// The same for variables or exit statuses.
std::string format_notes(const std::vector<Note>& list);

// Every command's option table, asked of the command itself (parse() hands it back while
// globals().harvesting): one per command, one per `models` subcommand.
std::vector<CommandSpec> command_specs();

}  // namespace portrait::cli
