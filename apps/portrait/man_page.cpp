#include "man_page.hpp"

#include <sstream>

#include "commands.hpp"
#include "help_text.hpp"
#include "portrait/version.hpp"

namespace portrait::cli {

namespace {

std::string bold(const std::string& s) { return "\\fB" + troff_escape(s) + "\\fR"; }
std::string italic(const std::string& s) { return "\\fI" + troff_escape(s) + "\\fR"; }

// ".TP" with "-o, --output DIR" as the tag and the text below it.
std::string option_item(const OptionRow& r) {
    std::string tag;
    if (!r.short_name.empty()) tag += bold(r.short_name);
    if (!r.long_name.empty()) tag += (tag.empty() ? "" : ", ") + bold(r.long_name);
    if (!r.placeholder.empty()) tag += " " + italic(r.placeholder);
    return ".TP\n" + tag + "\n" + troff_escape(r.text) + "\n";
}

std::string note_items(const std::vector<Note>& notes) {
    std::string s;
    for (const auto& n : notes) s += ".TP\n" + bold(n.name) + "\n" + troff_escape(n.text) + "\n";
    return s;
}

// A usage text as --help prints it: the first line is the synopsis; paragraphs are separated
// by blank lines; indented lines (examples, lists) are kept as they are.
std::string usage_section(const std::string& usage) {
    std::istringstream in(usage);
    std::string line, out;
    std::getline(in, line);
    out += ".nf\n" + bold(line) + "\n.fi\n";
    bool verbatim = false;
    while (std::getline(in, line)) {
        if (line.empty()) {
            if (verbatim) out += ".fi\n";
            verbatim = false;
            out += ".PP\n";
            continue;
        }
        const bool indented = line[0] == ' ';
        if (indented && !verbatim) out += ".nf\n";
        if (!indented && verbatim) out += ".fi\n";
        verbatim = indented;
        out += troff_escape(line) + "\n";
    }
    if (verbatim) out += ".fi\n";
    return out;
}

}  // namespace

std::string troff_escape(const std::string& text) {
    std::string out;
    bool line_start = true;
    for (char c : text) {
        if (line_start && (c == '.' || c == '\'')) out += "\\&";
        if (c == '\\')
            out += "\\e";
        else if (c == '-')
            out += "\\-";
        else
            out += c;
        line_start = c == '\n';
    }
    return out;
}

std::string man_page() {
    std::string s;
    s += ".\\\" Made by 'portrait help --man' from the option tables of portrait itself.\n";
    s += ".TH PORTRAIT 1 \"\" \"portrait " + std::string(PORTRAIT_VERSION_STRING) + "\" \"User Commands\"\n";
    s += ".SH NAME\nportrait \\- offline portrait beautification with YAML pipelines of plugin stages\n";
    s += ".SH SYNOPSIS\n" + bold("portrait") + " [" + italic("OPTIONS") + "] " + italic("COMMAND") + " [" +
         italic("ARGS") + "]\n";
    s += ".SH DESCRIPTION\n" + bold("portrait") +
         " runs a pipeline (a YAML file of plugin stages: face mesh, face slimming, skin retouching, "
         "portrait enhancement) over images, unattended and resumable, offline.\n"
         "A command's options go after its name; " + bold("portrait help") + " " + italic("COMMAND") +
         " shows them.\n";
    s += ".SH OPTIONS\nThese go before the command; " + bold("-h") + ", " + bold("-q") + " and " + bold("-v") +
         " also after it.\n";
    for (const auto& r : option_rows(global_options(), nullptr)) s += option_item(r);
    s += ".SH COMMANDS\n";
    for (const auto& c : commands()) s += ".TP\n" + bold(c.name) + (c.synopsis.empty() ? "" : " " + italic(c.synopsis)) +
                                          "\n" + troff_escape(c.summary) + "\n";
    const std::vector<CommandSpec> specs = command_specs();
    auto spec_section = [&](const std::string& path) {
        for (const auto& spec : specs) {
            if (spec.path != path) continue;
            s += ".SS \"portrait " + troff_escape(spec.path) + "\"\n" + usage_section(spec.usage);
            for (const auto& r : option_rows(spec.options, &spec.positional)) s += option_item(r);
        }
    };
    for (const auto& c : commands()) {
        if (c.subcommands.empty()) {
            spec_section(c.name);
            continue;
        }
        s += ".SS \"portrait " + troff_escape(c.name) + "\"\n" + troff_escape(c.summary) + ":\n";
        for (const auto& sub : c.subcommands)
            s += ".TP\n" + bold(sub.name) + (sub.synopsis.empty() ? "" : " " + italic(sub.synopsis)) + "\n" +
                 troff_escape(sub.summary) + "\n";
        for (const auto& sub : c.subcommands) spec_section(c.name + " " + sub.name);
    }
    s += ".SH ENVIRONMENT\n" + note_items(environment()) + note_items(models_environment());
    s += ".SH EXIT STATUS\n" + note_items(exit_statuses());
    s += ".SH FILES\n.TP\n" + italic("~/.cache/portrait/") +
         "\nmodels fetched and converted (" + bold("portrait models") + "), the plugin check cache and " +
         italic("logs/portrait.log") + " (10 MiB, 5 files kept)\n";
    s += ".TP\n" + italic("pipelines/default.yaml") +
         "\nthe pipeline used without " + bold("-p") + ", looked up in the installed data folder\n";
    s += ".SH SEE ALSO\n" + bold("portrait help") + " " + italic("COMMAND") + ", " + bold("portrait completion") +
         " " + italic("bash") + "\n";
    return s;
}

}  // namespace portrait::cli
