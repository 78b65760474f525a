// Text that came from outside (file names, pipeline names, messages that quote them) made
// safe for reports, manifests, logs and the terminal: JSON writers refuse invalid UTF-8,
// and control bytes in a name could move a terminal's cursor or forge a log line.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

namespace portrait {

// Valid UTF-8 with every byte of an invalid sequence and every control character
// (C0 and DEL) written as \xHH. Valid printable text comes back unchanged.
// `keep_newlines` leaves \n and \t alone (log sinks: our own messages span lines).
std::string escape_text(std::string_view s, bool keep_newlines = false);
// True when escape_text would return `s` unchanged.
bool is_clean_text(std::string_view s, bool keep_newlines = false);

// Hex of the raw bytes, for the manifest: it must find the real file again whatever
// its name holds. from_hex returns "" for text that is not even-length hex.
std::string to_hex(std::string_view bytes);
std::string from_hex(std::string_view hex);

// escape_text, then HTML's five special characters as entities: safe in element text
// and in quoted attribute values.
std::string escape_html(std::string_view s);
// A relative URL from a path: every byte but [A-Za-z0-9/._-] %-encoded, so no name can
// end an attribute or read as a scheme ("c:x").
std::string escape_url_path(std::string_view path);

// Every string (values and object keys) of `j`, at any depth, through escape_text.
void escape_json_strings(nlohmann::json& j);

}  // namespace portrait
