#include "portrait/runtime/errors.hpp"

namespace portrait {

std::string SourceMark::str() const {
    if (line <= 0) return file;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

ConfigError::ConfigError(const SourceMark& mark, const std::string& message)
    : std::runtime_error(mark.str().empty() ? message : mark.str() + ": " + message),
      mark_(mark),
      message_(message) {}

}  // namespace portrait
