// Option tables as people read them: GNU-style help lines ("-o, --output DIR  text"),
// rows for the man page and the shell completion. Boost's own printout names every
// value "arg" and prints "-o [ --output ]"; this one does not.
#pragma once

#include <string>
#include <vector>

#include <boost/program_options.hpp>

namespace portrait::cli {

struct OptionRow {
    std::string short_name;   // "-o", or ""
    std::string long_name;    // "--output", or ""
    std::string placeholder;  // "DIR"; "" for a flag
    std::string text;         // the description, with "(default: X)" when it has one
};

// What an option's value is called: its value_name ("DIR"), else its name in capitals
// ("ATTEMPTS"); "" for a flag.
std::string placeholder_of(const boost::program_options::option_description& option);
// Its default as text ("95"), or "".
std::string default_of(const boost::program_options::option_description& option);
// The options of `desc` a user types, in order; those filled by position (`positional`,
// which may be null) are left out: the usage line names them.
std::vector<OptionRow> option_rows(const boost::program_options::options_description& desc,
                                   const boost::program_options::positional_options_description* positional);
// The option names of a row as typed: "-o, --output DIR", "    --report FILE"; a row
// whose long_name has no dashes (a command, a variable) is printed as it is.
std::string row_flags(const OptionRow& row);
// Rows as an indented two-column list wrapped at `width` characters, the text starting at
// `column`.
std::string format_rows(const std::vector<OptionRow>& rows, int width = 80, std::size_t column = 28);
// `text` wrapped at `width` - `indent` columns, each line indented by `indent` spaces.
std::string wrap(const std::string& text, int indent, int width);

}  // namespace portrait::cli
