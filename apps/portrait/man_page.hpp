// portrait(1), written from the same tables as --help (commands.hpp): `portrait help --man`;
// the build writes it to portrait.1 and installs it.
#pragma once

#include <string>

namespace portrait::cli {

// The page in man(7) markup.
std::string man_page();
// `text` safe as troff input: backslashes and dashes escaped, no line starting a request.
std::string troff_escape(const std::string& text);

}  // namespace portrait::cli
