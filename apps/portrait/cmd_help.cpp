// portrait help [COMMAND [SUBCOMMAND]]: a command's --help; --man: the manual page.
#include <iostream>

#include "cli_common.hpp"
#include "commands.hpp"
#include "man_page.hpp"
#include "portrait/runtime/suggest.hpp"

namespace po = boost::program_options;

namespace portrait::cli {

int cmd_help(const std::vector<std::string>& args) {
    po::options_description desc("help options");
    desc.add_options()
        ("command", po::value<std::vector<std::string>>()->value_name("COMMAND"), "the command (and a models subcommand)")
        ("man", "print the manual page (troff) instead; read it with: portrait help --man | man -l -");
    po::positional_options_description pos;
    pos.add("command", 2);
    po::variables_map vm;
    if (parse(args, desc, &pos, vm,
              "portrait help [COMMAND [SUBCOMMAND]]\n\n"
              "Prints what 'portrait COMMAND --help' prints; without a command, what 'portrait --help' prints."))
        return kOk;
    if (vm.count("man")) {
        std::cout << man_page();
        return kOk;
    }
    if (!vm.count("command")) {
        std::cout << main_help();
        return kOk;
    }
    const auto words = vm["command"].as<std::vector<std::string>>();
    const Command* c = find_command(commands(), words[0]);
    if (!c) throw SyntaxError("unknown command '" + words[0] + "'" + did_you_mean(words[0], command_names(commands())));
    std::vector<std::string> rest(words.begin() + 1, words.end());
    if (rest.size() == 1 && !c->subcommands.empty() && !find_command(c->subcommands, rest[0]))
        throw SyntaxError("unknown '" + c->name + "' command '" + rest[0] + "'" +
                          did_you_mean(rest[0], command_names(c->subcommands)));
    rest.push_back("--help");
    return c->run(rest);
}

}  // namespace portrait::cli
