// libFuzzer target: pipeline YAML text -> parse_pipeline. The loader promises one kind of
// failure, ConfigError with file:line:column; any other exception escapes and is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/pipeline_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        portrait::parse_pipeline(text, "fuzz/p.yaml");
    } catch (const portrait::ConfigError&) {
    }
    return 0;
}
