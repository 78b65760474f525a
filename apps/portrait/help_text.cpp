#include "help_text.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

namespace po = boost::program_options;

namespace portrait::cli {

namespace {

// Boost's name of the value: "DIR", or "N (=95)" with a default; "arg" when none was given.
std::pair<std::string, std::string> name_and_default(const po::option_description& o) {
    std::string name = o.semantic()->name(), def;
    const auto at = name.find(" (=");
    if (at != std::string::npos && name.back() == ')') {
        def = name.substr(at + 3, name.size() - at - 4);
        name.erase(at);
    }
    return {name, def};
}

}  // namespace

std::string placeholder_of(const po::option_description& o) {
    if (o.semantic()->max_tokens() == 0) return "";
    std::string name = name_and_default(o).first;
    if (name == po::arg) {  // no value_name given: the option's name says what it wants
        name = o.long_name();
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return c == '-' ? '_' : char(std::toupper(c)); });
    }
    return name;
}

std::string default_of(const po::option_description& o) {
    return o.semantic()->max_tokens() == 0 ? "" : name_and_default(o).second;
}

std::vector<OptionRow> option_rows(const po::options_description& desc, const po::positional_options_description* pos) {
    std::set<std::string> by_position;
    if (pos)  // an unlimited positional answers the same name for every position after its start
        for (unsigned i = 0; i < std::min(pos->max_total_count(), 16u); ++i) by_position.insert(pos->name_for_position(i));
    std::vector<OptionRow> rows;
    for (const auto& o : desc.options()) {
        if (by_position.count(o->long_name())) continue;
        OptionRow r;
        const std::string shown = o->format_name();  // "-o [ --output ]", "--output" or "-o"
        if (shown.size() >= 2 && shown[0] == '-' && shown[1] != '-') r.short_name = shown.substr(0, 2);
        if (!o->long_name().empty()) r.long_name = "--" + o->long_name();
        r.text = o->description();
        r.placeholder = placeholder_of(*o);
        const std::string def = default_of(*o);
        if (!def.empty() && r.text.find("default") == std::string::npos) r.text += " (default: " + def + ")";
        rows.push_back(std::move(r));
    }
    return rows;
}

std::string row_flags(const OptionRow& r) {
    // Long options line up under the long names of "-o, --output"; plain names (commands,
    // variables) start at the margin.
    const bool dashed = r.long_name.rfind("--", 0) == 0;
    std::string s = !r.short_name.empty() ? r.short_name + (r.long_name.empty() ? "" : ", ") : dashed ? "    " : "";
    s += r.long_name;
    if (!r.placeholder.empty()) s += " " + r.placeholder;
    return s;
}

std::string wrap(const std::string& text, int indent, int width) {
    const std::size_t room = std::size_t(std::max(20, width - indent));
    std::string out, line;
    std::istringstream words(text);
    std::string w;
    auto flush = [&] {
        out += std::string(std::size_t(indent), ' ') + line + "\n";
        line.clear();
    };
    while (words >> w) {
        if (!line.empty() && line.size() + 1 + w.size() > room) flush();
        line += (line.empty() ? "" : " ") + w;
    }
    if (!line.empty()) flush();
    return out;
}

std::string format_rows(const std::vector<OptionRow>& rows, int width, std::size_t column) {
    std::string out;
    for (const auto& r : rows) {
        const std::string flags = "  " + row_flags(r);
        std::string text = wrap(r.text, int(column), width);
        if (text.empty()) {
            out += flags + "\n";
        } else if (flags.size() + 2 <= column) {
            // The first line of the text goes beside the names.
            out += flags + std::string(column - flags.size(), ' ') + text.substr(column);
        } else {
            out += flags + "\n" + text;
        }
    }
    return out;
}

}  // namespace portrait::cli
