#include "portrait/runtime/console.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <sys/ioctl.h>
#include <unistd.h>

namespace portrait::console {
namespace {

// "\r" back to column 0, "ESC [ K" erases to the end of the line: what is left of the bar.
constexpr std::string_view kClearLine = "\r\033[K";

struct State {
    std::mutex mutex;
    std::string status;  // the bar as on screen; empty when none is shown
};

State& state() {
    static State* s = new State();  // leaked: messages may come during exit
    return *s;
}

// One write(2) per message, so that a line is never split by another thread's.
void write_all(std::string_view text) {
    while (!text.empty()) {
        const ssize_t n = ::write(2, text.data(), text.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return;  // nowhere left to report it
        }
        text.remove_prefix(std::size_t(n));
    }
}

}  // namespace

void write_lines(std::string_view text) {
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.status.empty()) return write_all(text);
    std::string out;
    out.reserve(kClearLine.size() + text.size() + s.status.size());
    out.append(kClearLine).append(text).append(s.status);
    write_all(out);
}

void set_status(const std::string& line) {
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    if (line.empty() && s.status.empty()) return;
    std::string out(kClearLine);
    out += line;
    write_all(out);
    s.status = line;
}

void finish_status(const std::string& line) {
    State& s = state();
    std::lock_guard<std::mutex> lock(s.mutex);
    std::string out(kClearLine);
    out += line;
    out += '\n';
    write_all(out);
    s.status.clear();
}

int columns() {
    winsize ws{};
    if (::ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
    if (const char* c = std::getenv("COLUMNS")) {
        const long n = std::strtol(c, nullptr, 10);
        if (n > 0 && n < 10000) return int(n);
    }
    return 80;
}

bool stderr_is_terminal() {
    const char* term = std::getenv("TERM");
    return ::isatty(2) && !(term && std::strcmp(term, "dumb") == 0);
}

}  // namespace portrait::console
