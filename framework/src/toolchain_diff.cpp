#include "toolchain_diff.hpp"

#include <utility>
#include <vector>

namespace portrait::detail {
namespace {

using Parts = std::vector<std::pair<std::string, std::string>>;

Parts parse(const std::string& s) {
    Parts parts;
    std::size_t at = 0;
    while (at <= s.size()) {
        std::size_t end = s.find(';', at);
        if (end == std::string::npos) end = s.size();
        const std::string part = s.substr(at, end - at);
        if (!part.empty()) {
            std::size_t eq = part.find('=');
            if (eq == std::string::npos) eq = part.find('-');
            if (eq == std::string::npos) parts.emplace_back(part, "");
            else parts.emplace_back(part.substr(0, eq), part.substr(eq + 1));
        }
        at = end + 1;
    }
    return parts;
}

const std::string* value_of(const Parts& parts, const std::string& key) {
    for (const auto& [k, v] : parts)
        if (k == key) return &v;
    return nullptr;
}

}  // namespace

std::string toolchain_differences(const std::string& plugin, const std::string& host) {
    const Parts p = parse(plugin), h = parse(host);
    std::string out;
    const auto differ = [&](const std::string& key, const std::string* pv, const std::string* hv) {
        out += (out.empty() ? "" : "; ") + key + ": plugin " + (pv ? *pv : "none") + ", host " + (hv ? *hv : "none");
    };
    for (const auto& [key, hv] : h) {
        const std::string* pv = value_of(p, key);
        if (!pv || *pv != hv) differ(key, pv, &hv);
    }
    for (const auto& [key, pv] : p)
        if (!value_of(h, key)) differ(key, &pv, nullptr);
    if (out.empty() && plugin != host) out = "same values written differently";
    return out;
}

}  // namespace portrait::detail
