#include "plugin_scan.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "plugin_check.hpp"

namespace portrait::detail {
namespace fs = std::filesystem;

namespace {

int scan_timeout_ms() {
    if (const char* t = std::getenv("PORTRAIT_PLUGIN_SCAN_TIMEOUT"); t && *t) {
        const double s = std::atof(t);
        if (s > 0) return int(s * 1000);
    }
    return 60 * 1000;
}

// Runs in the child: never returns.
[[noreturn]] void child_main(const fs::path& file, int out) {
    // The child must not print the host's buffered output a second time, nor run the
    // host's exit handlers: it leaves with _exit, and a plugin's own exit() is caught by
    // the parent as "no answer".
    // The host's (or a sanitizer's) fault handlers would turn a crash into an exit code:
    // let a fault end the child by its signal, which the parent reports.
    for (int sig : {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT}) std::signal(sig, SIG_DFL);
    std::string answer;
    {
        auto* lib = new boost::dll::shared_library();  // never unloaded, as in the host
        const InspectedPlugin r = inspect_plugin(file, *lib);
        if (r.problem.empty()) {
            // "ok:" and the stage names, so the host can index the file without loading it.
            answer = "ok:";
            for (std::size_t i = 0; i < r.stages.size(); ++i) answer += (i ? "," : "") + r.stages[i].spec.name;
        } else {
            answer = "refused:" + r.problem;
        }
    }
    std::size_t done = 0;
    while (done < answer.size()) {
        const ssize_t k = ::write(out, answer.data() + done, answer.size() - done);
        if (k <= 0) break;
        done += std::size_t(k);
    }
    ::_exit(0);
}

std::string describe_status(int status) {
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        const char* name = sigabbrev_np(sig);
        return "crashed while being checked (signal " + std::to_string(sig) + (name ? std::string(" SIG") + name : "") +
               ")";
    }
    if (WIFEXITED(status))
        return "ended the process while being checked (exit status " + std::to_string(WEXITSTATUS(status)) +
               "); a plugin must not call exit()";
    return "stopped while being checked";
}

}  // namespace

std::vector<std::string> split_names(const std::string& list) {
    std::vector<std::string> names;
    std::size_t start = 0;
    while (start < list.size()) {
        const std::size_t comma = std::min(list.find(',', start), list.size());
        if (comma > start) names.push_back(list.substr(start, comma - start));
        start = comma + 1;
    }
    return names;
}

// One forked child's answer; `timed_out` when it gave none within the timeout.
static ScanResult scan_once(const fs::path& file, bool& timed_out_out) {
    timed_out_out = false;
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return {};  // cannot check: load as before rather than refuse all
    std::fflush(nullptr);
    const pid_t pid = ::fork();
    if (pid < 0) {
        ::close(fds[0]);
        ::close(fds[1]);
        return {};
    }
    if (pid == 0) {
        ::close(fds[0]);
        child_main(file, fds[1]);
    }
    ::close(fds[1]);

    std::string answer;
    bool timed_out = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(scan_timeout_ms());
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            timed_out = true;
            break;
        }
        pollfd p{fds[0], POLLIN, 0};
        const int n = ::poll(&p, 1, int(left.count()));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            timed_out = n == 0;
            break;
        }
        char buf[4096];
        const ssize_t k = ::read(fds[0], buf, sizeof buf);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;  // the child closed its end: done, or gone
        answer.append(buf, std::size_t(k));
    }
    ::close(fds[0]);
    if (timed_out) ::kill(pid, SIGKILL);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    timed_out_out = timed_out;
    ScanResult r;
    if (timed_out) {
        r.problem = "did not finish loading within " + std::to_string(scan_timeout_ms() / 1000) +
                    " s while being checked (PORTRAIT_PLUGIN_SCAN_TIMEOUT)";
    } else if (answer.rfind("ok:", 0) == 0) {
        r.stages = split_names(answer.substr(3));
    } else if (answer.rfind("refused:", 0) == 0) {
        r.problem = answer.substr(8);
    } else {
        r.problem = describe_status(status);
    }
    return r;
}

// A child forked from a process with other threads can, rarely, hang before it runs any
// plugin code (a lock held at the fork, seen once under ASan): a timeout is asked once more
// in a fresh child before the plugin is refused. A plugin that really hangs hangs twice.
ScanResult scan_plugin_in_child(const fs::path& file) {
    bool timed_out = false;
    ScanResult r = scan_once(file, timed_out);
    if (timed_out) r = scan_once(file, timed_out);
    return r;
}

}  // namespace portrait::detail
