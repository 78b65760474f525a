// portrait completion bash: a bash completion script written from the option tables
// (commands.hpp and each command's CommandSpec), so it knows every command and option.
#include <algorithm>
#include <iostream>
#include <limits>
#include <map>

#include "cli_common.hpp"
#include "commands.hpp"
#include "help_text.hpp"

namespace po = boost::program_options;

namespace portrait::cli {

namespace {

std::string join(const std::vector<std::string>& words, const char* sep = " ") {
    std::string s;
    for (const auto& w : words) s += (s.empty() ? "" : sep) + w;
    return s;
}

// What a value is completed with: "WORDS:a,b,c" for fixed choices, else the placeholder
// (DIR: folders; FILE, INPUT, ...: files; COMMAND: the commands).
std::string value_kind(const std::string& option, const std::string& placeholder) {
    static const std::map<std::string, const std::vector<std::string>*> choices{
        {"--progress", &progress_choices()}, {"--format", &format_choices()}, {"--log-level", &log_level_choices()}};
    if (auto it = choices.find(option); it != choices.end()) return "WORDS:" + join(*it->second, ",");
    return placeholder;
}

struct Table {
    std::vector<std::string> subs, opts, valued, positions;
};

void add_options(Table& t, const po::options_description& desc, const po::positional_options_description* pos) {
    for (const auto& r : option_rows(desc, pos))
        for (const std::string& name : {r.long_name, r.short_name}) {
            if (name.empty()) continue;
            t.opts.push_back(name);
            if (!r.placeholder.empty()) t.valued.push_back(name + "=" + value_kind(r.long_name, r.placeholder));
        }
}

// The placeholders of the positions, the last with "..." when it repeats.
std::vector<std::string> positions_of(const CommandSpec& spec) {
    std::vector<std::string> out;
    const unsigned n = spec.positional.max_total_count();
    const bool unlimited = n == std::numeric_limits<unsigned>::max();
    std::string last_name;
    for (unsigned i = 0; i < std::min(n, 16u); ++i) {
        const std::string& name = spec.positional.name_for_position(i);
        if (unlimited && i > 0 && name == last_name) break;  // the repeating one is reached
        last_name = name;
        const po::option_description* o = spec.options.find_nothrow(name, false);
        const std::string p = o ? placeholder_of(*o) : "";
        out.push_back(p.empty() ? "-" : p);
    }
    if (unlimited && !out.empty()) out.back() += "...";
    return out;
}

std::string bash_script() {
    std::map<std::string, Table> tables;
    Table& top = tables[""];
    top.subs = command_names(commands());
    add_options(top, global_options(), nullptr);
    for (const auto& c : commands())
        if (!c.subcommands.empty()) {
            Table& t = tables[c.name];
            t.subs = command_names(c.subcommands);
            t.opts = {"--help", "-h"};
        }
    for (const auto& spec : command_specs()) {
        Table& t = tables[spec.path];
        add_options(t, spec.options, &spec.positional);
        add_options(t, common_options(), nullptr);
        t.positions = positions_of(spec);
    }
    std::string s =
        "# bash completion for portrait, written by 'portrait completion bash' from its option tables.\n"
        "# Install: portrait completion bash > ~/.local/share/bash-completion/completions/portrait\n"
        "# or, for this shell only: source <(portrait completion bash)\n\n"
        "_portrait_table() {\n"
        "    subs= opts= valued= positions=\n"
        "    case $1 in\n";
    for (const auto& [path, t] : tables) {
        s += "        \"" + path + "\")\n";
        s += "            subs='" + join(t.subs) + "'\n";
        s += "            opts='" + join(t.opts) + "'\n";
        s += "            valued='" + join(t.valued) + "'\n";
        s += "            positions='" + join(t.positions) + "' ;;\n";
    }
    s += "    esac\n}\n\n";
    s += "_portrait_complete_value() {\n"
         "    local kind=$1 cur=$2\n"
         "    case $kind in\n"
         "        WORDS:*) kind=${kind#WORDS:}; COMPREPLY=($(compgen -W \"${kind//,/ }\" -- \"$cur\")) ;;\n"
         "        DIR|OUT) COMPREPLY=($(compgen -d -- \"$cur\")) ;;\n"
         "        FILE|INPUT|PIPELINE|SOURCE) COMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
         "        COMMAND) COMPREPLY=($(compgen -W '" + join(command_names(commands())) + "' -- \"$cur\")) ;;\n"
         "        SHELL) COMPREPLY=($(compgen -W 'bash' -- \"$cur\")) ;;\n"
         "        *) COMPREPLY=() ;;\n"
         "    esac\n"
         "    [[ $kind == DIR || $kind == OUT || $kind == FILE || $kind == INPUT || $kind == PIPELINE || "
         "$kind == SOURCE ]] && compopt -o filenames 2>/dev/null\n"
         "    return 0\n"
         "}\n\n"
         "_portrait() {\n"
         "    local cur=${COMP_WORDS[COMP_CWORD]} prev= path= npos=0 i w v kind\n"
         "    local subs opts valued positions\n"
         "    # The words before the cursor: options (with their values), the command and its\n"
         "    # subcommand, then arguments, counted to know which one is being typed.\n"
         "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
         "        w=${COMP_WORDS[i]}\n"
         "        _portrait_table \"$path\"\n"
         "        if [[ $w == -* ]]; then\n"
         "            for v in $valued; do [[ ${v%%=*} == \"$w\" ]] && { ((i++)); break; }; done\n"
         "            continue\n"
         "        fi\n"
         "        if ((npos == 0)) && [[ \" $subs \" == *\" $w \"* ]]; then path=${path:+$path }$w; continue; fi\n"
         "        ((npos++))\n"
         "    done\n"
         "    _portrait_table \"$path\"\n"
         "    ((COMP_CWORD > 1)) && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
         "    for v in $valued; do\n"
         "        if [[ -n $prev && ${v%%=*} == \"$prev\" ]]; then _portrait_complete_value \"${v#*=}\" \"$cur\"; return 0; fi\n"
         "    done\n"
         "    if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\")); return 0; fi\n"
         "    if ((npos == 0)) && [[ -n $subs ]]; then COMPREPLY=($(compgen -W \"$subs\" -- \"$cur\")); return 0; fi\n"
         "    local -a pos=($positions)\n"
         "    ((${#pos[@]})) || { COMPREPLY=(); return 0; }\n"
         "    if ((npos < ${#pos[@]})); then kind=${pos[npos]}; else kind=${pos[${#pos[@]}-1]}; fi\n"
         "    if ((npos >= ${#pos[@]})) && [[ $kind != *... ]]; then COMPREPLY=(); return 0; fi\n"
         "    _portrait_complete_value \"${kind%...}\" \"$cur\"\n"
         "}\n\n"
         "complete -F _portrait portrait\n";
    return s;
}

}  // namespace

int cmd_completion(const std::vector<std::string>& args) {
    po::options_description desc("completion options");
    desc.add_options()("shell", po::value<std::string>()->value_name("SHELL"), "the shell: bash");
    po::positional_options_description pos;
    pos.add("shell", 1);
    po::variables_map vm;
    if (parse(args, desc, &pos, vm,
              "portrait completion SHELL\n\n"
              "Prints the completion script for SHELL (bash) of portrait's commands, options and\n"
              "their values. Install it for your user with\n"
              "  portrait completion bash > ~/.local/share/bash-completion/completions/portrait\n"
              "or load it into the running shell with: source <(portrait completion bash)"))
        return kOk;
    if (!vm.count("shell")) throw SyntaxError("which shell? only bash is supported");
    const std::string shell = vm["shell"].as<std::string>();
    if (shell != "bash") throw SyntaxError("no completion for '" + shell + "'; only bash is supported");
    std::cout << bash_script();
    return kOk;
}

}  // namespace portrait::cli
