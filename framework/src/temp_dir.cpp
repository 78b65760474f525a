#include "portrait/runtime/temp_dir.hpp"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

namespace portrait {
namespace fs = std::filesystem;

namespace {
std::atomic<bool> g_cancel{false};
std::atomic<int> g_cancel_signal{0};     // the signal that set g_cancel, 0 if none did
std::atomic<int> g_graceful_sigterm{0};  // StopCleanlyOnSigterm scopes alive
std::mutex g_dir_mutex;
fs::path g_dir;  // guarded by g_dir_mutex
const std::string kPrefix = "portrait-run-";
}  // namespace

fs::path RunTempDir::default_base() {
    const char* t = std::getenv("TMPDIR");
    return (t && *t) ? fs::path(t) : fs::path("/tmp");
}

namespace {

// When the process `pid` started, in wall-clock seconds; < 0 if unknown (gone, no /proc).
double process_start_time(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat;
    if (!std::getline(in, stat)) return -1;
    // Field 22, starttime (clock ticks after boot), counted after the ")" that ends the
    // command name (which may hold spaces and parentheses itself).
    const auto paren = stat.rfind(')');
    if (paren == std::string::npos || paren + 2 >= stat.size()) return -1;
    std::istringstream fields(stat.substr(paren + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i)
        if (i == 22) {
            const double ticks = std::strtod(field.c_str(), nullptr);
            timespec boot{}, now{};
            clock_gettime(CLOCK_BOOTTIME, &boot);
            clock_gettime(CLOCK_REALTIME, &now);
            const double since_boot = double(boot.tv_sec) + boot.tv_nsec * 1e-9;
            return double(now.tv_sec) + now.tv_nsec * 1e-9 - since_boot + ticks / double(sysconf(_SC_CLK_TCK));
        }
    return -1;
}

}  // namespace

bool temp_owner_gone(pid_t pid, const fs::path& file) {
    if (kill(pid, 0) != 0 && errno != EPERM) return true;
    // The pid is in use, but maybe by a later process: the owner wrote `file` after it
    // started, so a process that started after the file's last change is not its owner.
    // The slack covers the tick granularity of start times and of file times.
    struct stat st {};
    const double started = process_start_time(pid);
    if (started < 0 || ::stat(file.c_str(), &st) != 0) return false;  // cannot tell: keep it
    const double changed = double(st.st_mtim.tv_sec) + st.st_mtim.tv_nsec * 1e-9;
    return started > changed + 1.0;
}

int sweep_stale_temp_dirs(const fs::path& base) {
    int swept = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(base, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(kPrefix, 0) != 0 || !e.is_directory(ec)) continue;
        long pid = std::strtol(name.c_str() + kPrefix.size(), nullptr, 10);
        if (pid <= 0 || pid == long(getpid())) continue;
        if (!temp_owner_gone(pid_t(pid), e.path())) continue;
        fs::remove_all(e.path(), ec);
        if (!ec) ++swept;
    }
    return swept;
}

RunTempDir::RunTempDir(fs::path base) {
    if (base.empty()) base = default_base();
    fs::create_directories(base);
    sweep_stale_temp_dirs(base);
    std::random_device rd;
    for (int attempt = 0; attempt < 100; ++attempt) {
        fs::path p = base / (kPrefix + std::to_string(getpid()) + "-" + std::to_string(rd() % 1000000));
        if (fs::create_directory(p)) {
            path_ = p;
            register_temp_dir_for_signals(p);
            return;
        }
    }
    throw std::runtime_error("cannot create a temp folder in " + base.string());
}

RunTempDir::~RunTempDir() {
    std::error_code ec;
    {
        std::lock_guard<std::mutex> lock(g_dir_mutex);
        if (g_dir == path_) g_dir.clear();
    }
    fs::remove_all(path_, ec);
}

void register_temp_dir_for_signals(const fs::path& dir) {
    std::lock_guard<std::mutex> lock(g_dir_mutex);
    g_dir = dir;
}

const std::atomic<bool>& cancel_requested() { return g_cancel; }
int cancel_signal() { return g_cancel_signal; }

StopCleanlyOnSigterm::StopCleanlyOnSigterm() { ++g_graceful_sigterm; }
StopCleanlyOnSigterm::~StopCleanlyOnSigterm() { --g_graceful_sigterm; }

void install_signal_handling() {
    static std::once_flag once;
    std::call_once(once, [] {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        pthread_sigmask(SIG_BLOCK, &set, nullptr);  // inherited by every later thread
        std::thread([set] {
            for (;;) {
                int sig = 0;
                if (sigwait(&set, &sig) != 0) continue;
                // The first Ctrl-C (or SIGTERM while a batch runs) only asks to stop cleanly;
                // any further signal exits at once.
                const bool clean = sig == SIGINT || g_graceful_sigterm > 0;
                if (clean && !g_cancel.exchange(true)) {
                    g_cancel_signal = sig;
                    continue;
                }
                fs::path dir;
                {
                    std::lock_guard<std::mutex> lock(g_dir_mutex);
                    dir = g_dir;
                }
                std::error_code ec;
                if (!dir.empty()) fs::remove_all(dir, ec);
                std::_Exit(128 + sig);
            }
        }).detach();
    });
}

}  // namespace portrait
