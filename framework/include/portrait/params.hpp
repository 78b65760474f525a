// Stage parameters: declared as data by the stage, validated by the host before
// anything runs, and handed to the stage as typed values.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "portrait/version.hpp"

namespace portrait {
inline namespace PORTRAIT_SDK_NAMESPACE {

enum class ParamType : std::uint8_t { Bool, Int, Float, String, Choice };

inline const char* to_string(ParamType t) {
    switch (t) {
        case ParamType::Bool: return "bool";
        case ParamType::Int: return "int";
        case ParamType::Float: return "float";
        case ParamType::String: return "string";
        case ParamType::Choice: return "choice";
    }
    return "?";
}

using ParamValue = std::variant<bool, std::int64_t, double, std::string>;

struct ParamSpec {
    std::string name;
    ParamType type = ParamType::Float;
    ParamValue default_value = 0.0;
    double min = -std::numeric_limits<double>::infinity();  // Int and Float only
    double max = std::numeric_limits<double>::infinity();
    std::vector<std::string> choices;                        // Choice only
    std::string doc;
};

inline ParamSpec float_param(std::string name, double def, double min, double max, std::string doc) {
    return {std::move(name), ParamType::Float, def, min, max, {}, std::move(doc)};
}
inline ParamSpec int_param(std::string name, std::int64_t def, std::int64_t min, std::int64_t max,
                           std::string doc) {
    return {std::move(name), ParamType::Int, def, double(min), double(max), {}, std::move(doc)};
}
inline ParamSpec bool_param(std::string name, bool def, std::string doc) {
    return {std::move(name), ParamType::Bool, def, 0, 1, {}, std::move(doc)};
}
inline ParamSpec string_param(std::string name, std::string def, std::string doc) {
    return {std::move(name), ParamType::String, std::move(def), 0, 0, {}, std::move(doc)};
}
inline ParamSpec choice_param(std::string name, std::string def, std::vector<std::string> choices,
                              std::string doc) {
    return {std::move(name), ParamType::Choice, std::move(def), 0, 0, std::move(choices), std::move(doc)};
}

// Validated values, one per declared parameter (defaults filled in by the host).
class Params {
public:
    Params() = default;
    explicit Params(std::map<std::string, ParamValue> values) : values_(std::move(values)) {}

    bool get_bool(const std::string& name) const { return as<bool>(name); }
    std::int64_t get_int(const std::string& name) const { return as<std::int64_t>(name); }
    double get_float(const std::string& name) const {
        const ParamValue& v = at(name);
        if (const auto* i = std::get_if<std::int64_t>(&v)) return double(*i);
        return as<double>(name);
    }
    const std::string& get_string(const std::string& name) const { return as<std::string>(name); }
    bool has(const std::string& name) const { return values_.count(name) != 0; }
    const std::map<std::string, ParamValue>& values() const { return values_; }
    void set(const std::string& name, ParamValue v) { values_[name] = std::move(v); }

private:
    const ParamValue& at(const std::string& name) const {
        auto it = values_.find(name);
        if (it == values_.end()) throw std::out_of_range("parameter '" + name + "' was not declared");
        return it->second;
    }
    template <class T>
    const T& as(const std::string& name) const {
        const ParamValue& v = at(name);
        if (const T* p = std::get_if<T>(&v)) return *p;
        throw std::invalid_argument("parameter '" + name + "' has another type");
    }
    std::map<std::string, ParamValue> values_;
};

}  // namespace PORTRAIT_SDK_NAMESPACE
}  // namespace portrait
