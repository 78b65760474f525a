// Error types of the host, each mapped to one CLI exit code.
#pragma once

#include <stdexcept>
#include <string>

namespace portrait {

// A place in a pipeline file (1-based line and column), or a command-line origin.
struct SourceMark {
    std::string file;
    int line = 0;
    int column = 0;
    std::string str() const;  // "file:line:column" or just "file"
};

// The pipeline (YAML or overrides) is wrong. what() starts with "file:line:column: ".
class ConfigError : public std::runtime_error {
public:
    ConfigError(const SourceMark& mark, const std::string& message);
    const SourceMark& mark() const { return mark_; }
    const std::string& message() const { return message_; }

private:
    SourceMark mark_;
    std::string message_;
};

// The command line is wrong.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One image failed; the batch goes on.
class ImageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace portrait
