// Names what differs between a plugin's toolchain fingerprint and the host's
// (PORTRAIT_TOOLCHAIN, "key=value;..."), so a refusal says "spdlog: plugin 1.9.2, host
// 1.10.0" instead of two long strings to compare by eye.
#pragma once

#include <string>

namespace portrait::detail {

// "" when equal; else "key: plugin X, host Y; ..." for each key that differs or that one
// side lacks ("none"). A part without '=' splits at its first '-' (older "gcc-12.2").
std::string toolchain_differences(const std::string& plugin, const std::string& host);

}  // namespace portrait::detail
