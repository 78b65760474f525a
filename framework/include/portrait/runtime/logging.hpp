// Logging owned by the host: console plus a rotating file, one named logger per
// stage ("stage.<id>"), level from the CLI or the pipeline.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <spdlog/logger.h>

namespace portrait {

struct LogOptions {
    std::string level = "info";        // trace, debug, info, warn, error, off
    std::filesystem::path file;        // rotating log file; empty = console only
    bool console = true;
};

// Sets up sinks once; later calls change level and file. Safe to call before any logger is used.
void init_logging(const LogOptions& options);
// The host's own logger ("portrait").
spdlog::logger& host_logger();
// A logger sharing the host's sinks, created on first use (e.g. "stage.face_mesh").
std::shared_ptr<spdlog::logger> named_logger(const std::string& name);
// Default log file: ${PORTRAIT_CACHE:-~/.cache/portrait}/logs/portrait.log
std::filesystem::path default_log_file();
// ${PORTRAIT_CACHE} or ~/.cache/portrait
std::filesystem::path cache_dir();

}  // namespace portrait
