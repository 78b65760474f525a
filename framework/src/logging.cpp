#include "portrait/runtime/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/spdlog.h>

#include <opencv2/core/utils/logger.hpp>

#include <cstdlib>
#include <map>
#include <mutex>
#include <vector>

#include "portrait/runtime/console.hpp"
#include "portrait/runtime/text_escape.hpp"

namespace portrait {
namespace {

// Messages quote file names, which may hold invalid UTF-8 or control bytes (an escape
// sequence could rewrite the terminal, a carriage return hide a line): each message is
// made clean text before any sink sees it. Our own multi-line messages keep their lines.
class EscapingSink : public spdlog::sinks::sink {
public:
    explicit EscapingSink(spdlog::sink_ptr inner) : inner_(std::move(inner)) {}
    void log(const spdlog::details::log_msg& msg) override {
        const std::string_view payload(msg.payload.data(), msg.payload.size());
        if (is_clean_text(payload, true)) return inner_->log(msg);
        const std::string clean = escape_text(payload, true);
        spdlog::details::log_msg copy(msg);
        copy.payload = spdlog::string_view_t(clean.data(), clean.size());
        inner_->log(copy);
    }
    void flush() override { inner_->flush(); }
    void set_pattern(const std::string& pattern) override { inner_->set_pattern(pattern); }
    void set_formatter(std::unique_ptr<spdlog::formatter> f) override { inner_->set_formatter(std::move(f)); }

private:
    spdlog::sink_ptr inner_;
};

// The terminal's sink: every message goes through console::write_lines, which clears the
// progress bar first and draws it again after. The level name is coloured on a terminal
// (not with NO_COLOR), in spdlog's own colours.
class ConsoleSink : public spdlog::sinks::base_sink<std::mutex> {
public:
    explicit ConsoleSink(bool colour) : colour_(colour) {}

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t text;
        formatter_->format(msg, text);
        std::string line(text.data(), text.size());
        if (colour_ && msg.color_range_end > msg.color_range_start && msg.color_range_end <= line.size()) {
            line.insert(msg.color_range_end, "\033[0m");
            line.insert(msg.color_range_start, colour_of(msg.level));
        }
        console::write_lines(line);
    }
    void flush_() override {}

private:
    static const char* colour_of(spdlog::level::level_enum level) {
        switch (level) {
            case spdlog::level::trace: return "\033[37m";
            case spdlog::level::debug: return "\033[36m";
            case spdlog::level::info: return "\033[32m";
            case spdlog::level::warn: return "\033[33m\033[1m";
            case spdlog::level::err: return "\033[31m\033[1m";
            case spdlog::level::critical: return "\033[1m\033[41m";
            default: return "";
        }
    }
    bool colour_;
};

// OpenCV writes its own messages straight to the terminal, past the progress bar: it is
// told our level, except that its info messages (notes for OpenCV's developers) need -v.
cv::utils::logging::LogLevel opencv_level(spdlog::level::level_enum level) {
    using L = cv::utils::logging::LogLevel;
    switch (level) {
        case spdlog::level::trace: return L::LOG_LEVEL_VERBOSE;
        case spdlog::level::debug: return L::LOG_LEVEL_INFO;
        case spdlog::level::info:
        case spdlog::level::warn: return L::LOG_LEVEL_WARNING;
        case spdlog::level::err:
        case spdlog::level::critical: return L::LOG_LEVEL_ERROR;
        default: return L::LOG_LEVEL_SILENT;
    }
}

struct LogState {
    std::mutex mutex;
    std::vector<spdlog::sink_ptr> sinks;
    spdlog::level::level_enum level = spdlog::level::info;
    std::map<std::string, std::shared_ptr<spdlog::logger>> loggers;
    bool initialised = false;
};

LogState& state() {
    static LogState* s = new LogState();  // leaked: loggers may be used during exit
    return *s;
}

void ensure_console(LogState& s) {
    if (s.initialised) return;
    const char* no_colour = std::getenv("NO_COLOR");
    auto console = std::make_shared<ConsoleSink>(!(no_colour && *no_colour) && console::stderr_is_terminal());
    console->set_pattern("[%^%l%$] %n: %v");
    s.sinks.push_back(std::make_shared<EscapingSink>(console));
    s.initialised = true;
}

std::shared_ptr<spdlog::logger> make_logger(LogState& s, const std::string& name) {
    auto it = s.loggers.find(name);
    if (it != s.loggers.end()) return it->second;
    auto logger = std::make_shared<spdlog::logger>(name, s.sinks.begin(), s.sinks.end());
    logger->set_level(s.level);
    logger->flush_on(spdlog::level::warn);
    s.loggers[name] = logger;
    return logger;
}

}  // namespace

std::filesystem::path cache_dir() {
    if (const char* c = std::getenv("PORTRAIT_CACHE"); c && *c) return c;
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::filesystem::path(x) / "portrait";
    const char* home = std::getenv("HOME");
    return std::filesystem::path(home ? home : "/tmp") / ".cache" / "portrait";
}

std::filesystem::path default_log_file() { return cache_dir() / "logs" / "portrait.log"; }

void init_logging(const LogOptions& options) {
    LogState& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    s.sinks.clear();
    s.initialised = false;
    if (options.console) ensure_console(s);
    s.initialised = true;
    if (!options.file.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(options.file.parent_path(), ec);
        try {
            auto file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(options.file.string(),
                                                                               10 * 1024 * 1024, 5);
            file->set_pattern("%Y-%m-%d %H:%M:%S.%e [%l] [%n] [pid %P] %v");
            s.sinks.push_back(std::make_shared<EscapingSink>(file));
        } catch (const spdlog::spdlog_ex&) {
            // An unwritable log folder must not stop the work; the console still logs.
        }
    }
    s.level = spdlog::level::from_str(options.level);
    cv::utils::logging::setLogLevel(opencv_level(s.level));
    for (auto& [name, logger] : s.loggers) {
        logger->sinks() = s.sinks;
        logger->set_level(s.level);
    }
}

spdlog::logger& host_logger() { return *named_logger("portrait"); }

std::shared_ptr<spdlog::logger> named_logger(const std::string& name) {
    LogState& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    ensure_console(s);
    return make_logger(s, name);
}

}  // namespace portrait
