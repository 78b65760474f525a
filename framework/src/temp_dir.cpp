#include "portrait/runtime/temp_dir.hpp"

#include <csignal>
#include <cstdlib>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include <pthread.h>
#include <unistd.h>

namespace portrait {
namespace fs = std::filesystem;

namespace {
std::atomic<bool> g_cancel{false};
std::mutex g_dir_mutex;
fs::path g_dir;  // guarded by g_dir_mutex
const std::string kPrefix = "portrait-run-";
}  // namespace

fs::path RunTempDir::default_base() {
    const char* t = std::getenv("TMPDIR");
    return (t && *t) ? fs::path(t) : fs::path("/tmp");
}

int sweep_stale_temp_dirs(const fs::path& base) {
    int swept = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(base, ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(kPrefix, 0) != 0 || !e.is_directory(ec)) continue;
        long pid = std::strtol(name.c_str() + kPrefix.size(), nullptr, 10);
        if (pid <= 0 || pid == long(getpid())) continue;
        if (kill(pid_t(pid), 0) == 0 || errno == EPERM) continue;  // owner still alive
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
void request_cancel() { g_cancel = true; }
void clear_cancel() { g_cancel = false; }

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
                if (sig == SIGINT && !g_cancel.exchange(true)) continue;  // first Ctrl-C: stop cleanly
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
