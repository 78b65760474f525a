#include "pty_terminal.hpp"

#include <cerrno>
#include <csignal>
#include <stdexcept>

#include <pty.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

namespace cli {

PtyResult portrait_in_pty(const std::vector<std::string>& args, const Env& env, int columns) {
    Env e = env;
    e.extra["TERM"] = "xterm";
    fs::create_directories(e.tmpdir);
    std::vector<std::string> env_strings = child_environment(e);
    std::vector<char*> envp, argv;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> all{PORTRAIT_EXE};
    all.insert(all.end(), args.begin(), args.end());
    for (auto& s : all) argv.push_back(s.data());
    argv.push_back(nullptr);

    winsize ws{};
    ws.ws_col = static_cast<unsigned short>(columns);
    ws.ws_row = 24;
    int master = -1;
    const pid_t pid = forkpty(&master, nullptr, nullptr, &ws);
    if (pid < 0) throw std::runtime_error("forkpty failed");
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        execve(argv[0], argv.data(), envp.data());
        _exit(127);
    }
    PtyResult r;
    char buf[4096];
    for (;;) {
        const ssize_t n = read(master, buf, sizeof buf);
        if (n > 0) {
            r.raw.append(buf, std::size_t(n));
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else {
            break;  // EIO: the child closed its side
        }
    }
    close(master);
    r.code = wait_child(pid);
    return r;
}

namespace {

// Length of the escape sequence at raw[i] (ESC [ params final-byte), or 1 for a lone ESC.
std::size_t escape_length(const std::string& raw, std::size_t i) {
    if (i + 1 >= raw.size() || raw[i + 1] != '[') return 1;
    std::size_t j = i + 2;
    while (j < raw.size() && !(raw[j] >= 0x40 && raw[j] <= 0x7E)) ++j;
    return j < raw.size() ? j - i + 1 : raw.size() - i;
}

}  // namespace

std::vector<std::string> screen_lines(const std::string& raw, int columns) {
    std::vector<std::string> lines(1);
    std::size_t row = 0, col = 0;
    bool pending_wrap = false;
    auto down = [&] {
        ++row;
        if (row >= lines.size()) lines.emplace_back();
    };
    for (std::size_t i = 0; i < raw.size(); ++i) {
        const char c = raw[i];
        if (c == '\033') {
            const std::size_t n = escape_length(raw, i);
            if (raw.compare(i, n, "\033[K") == 0 && col < lines[row].size()) lines[row].resize(col);
            i += n - 1;
        } else if (c == '\r') {
            col = 0;
            pending_wrap = false;
        } else if (c == '\n') {
            down();
            pending_wrap = false;
        } else if (static_cast<unsigned char>(c) >= 0x20) {
            if (pending_wrap) {
                down();
                col = 0;
                pending_wrap = false;
            }
            std::string& line = lines[row];
            if (line.size() <= col) line.resize(col + 1, ' ');
            line[col] = c;
            if (col + 1 == std::size_t(columns))
                pending_wrap = true;
            else
                ++col;
        }
    }
    while (!lines.empty() && lines.back().empty()) lines.pop_back();
    return lines;
}

std::vector<std::string> redraws(const std::string& raw) {
    std::vector<std::string> out;
    const std::string clear = "\r\033[K";
    for (std::size_t at = raw.find(clear); at != std::string::npos; at = raw.find(clear, at + 1)) {
        std::string text;
        for (std::size_t i = at + clear.size(); i < raw.size() && raw[i] != '\r' && raw[i] != '\n'; ++i) {
            if (raw[i] == '\033') {
                i += escape_length(raw, i) - 1;
                continue;
            }
            text += raw[i];
        }
        out.push_back(text);
    }
    return out;
}

}  // namespace cli
