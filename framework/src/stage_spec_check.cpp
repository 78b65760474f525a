#include "stage_spec_check.hpp"

#include <cmath>
#include <regex>
#include <set>
#include <sstream>

namespace portrait::detail {
namespace {

// Stage and parameter names are written in pipelines and on command lines (--set a.b=1).
bool is_name(const std::string& s) {
    static const std::regex re("[a-z][a-z0-9_]{0,63}");
    return std::regex_match(s, re);
}

std::string number(double v) {
    std::ostringstream ss;
    ss << v;
    return ss.str();
}

std::string param_problem(const ParamSpec& p) {
    const auto holds = [&](auto tag) { return std::holds_alternative<decltype(tag)>(p.default_value); };
    switch (p.type) {
        case ParamType::Bool:
            if (!holds(bool{})) return "default is not a bool";
            break;
        case ParamType::String:
            if (!holds(std::string{})) return "default is not a string";
            break;
        case ParamType::Choice: {
            if (!holds(std::string{})) return "default is not a string";
            if (p.choices.empty()) return "a choice with no choices";
            const std::set<std::string> unique(p.choices.begin(), p.choices.end());
            if (unique.size() != p.choices.size()) return "a choice listed twice";
            if (!unique.count(std::get<std::string>(p.default_value)))
                return "default '" + std::get<std::string>(p.default_value) + "' is not one of its choices";
            break;
        }
        case ParamType::Int:
        case ParamType::Float: {
            double v = 0;
            if (p.type == ParamType::Int) {
                if (!holds(std::int64_t{})) return "default is not an integer";
                v = double(std::get<std::int64_t>(p.default_value));
            } else {
                if (holds(double{})) v = std::get<double>(p.default_value);
                else if (holds(std::int64_t{})) v = double(std::get<std::int64_t>(p.default_value));
                else return "default is not a number";
            }
            if (std::isnan(p.min) || std::isnan(p.max) || std::isnan(v)) return "NaN in its default or range";
            if (p.min > p.max) return "range " + number(p.min) + " .. " + number(p.max) + " is empty";
            if (v < p.min || v > p.max)
                return "default " + number(v) + " is outside " + number(p.min) + " .. " + number(p.max);
            break;
        }
        default:
            return "unknown type " + std::to_string(int(p.type));
    }
    if (p.doc.empty()) return "no description (ParamSpec::doc; 'portrait describe' shows it)";
    return "";
}

}  // namespace

std::string stage_spec_problem(const StageSpec& spec) {
    if (!is_name(spec.name))
        return "stage name '" + spec.name + "' is not snake_case (a-z, 0-9, _; a letter first; at most 64)";
    const std::string stage = "stage '" + spec.name + "': ";
    if (spec.description.empty()) return stage + "no description (StageSpec::description)";
    std::set<std::string> seen;
    for (const ParamSpec& p : spec.params) {
        if (!is_name(p.name)) return stage + "parameter name '" + p.name + "' is not snake_case";
        if (!seen.insert(p.name).second) return stage + "parameter '" + p.name + "' is declared twice";
        if (std::string why = param_problem(p); !why.empty()) return stage + "parameter '" + p.name + "': " + why;
    }
    for (const auto* caps : {&spec.needs, &spec.provides})
        for (const std::string& c : *caps)
            if (c.empty()) return stage + "an empty capability name in needs or provides";
    return "";
}

}  // namespace portrait::detail
