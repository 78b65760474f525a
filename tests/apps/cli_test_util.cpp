#include "cli_test_util.hpp"

#include <chrono>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <csignal>
#include <stdexcept>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace cli {

std::vector<std::string> child_environment(const Env& env) {
    std::map<std::string, std::string> vars;
    for (char** e = environ; *e; ++e) {
        std::string kv(*e);
        const auto eq = kv.find('=');
        if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    vars.erase("PORTRAIT_MODELS");
    vars["PORTRAIT_PLUGIN_PATH"] = SPINE_TEST_PLUGIN_DIR;
    vars["PORTRAIT_CACHE"] = env.cache.string();
    vars["TMPDIR"] = env.tmpdir.string();
    vars["NO_COLOR"] = "1";
    for (const auto& [k, v] : env.extra) vars[k] = v;
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : vars) env_strings.push_back(k + "=" + v);
    return env_strings;
}

pid_t spawn(const std::string& exe, const std::vector<std::string>& args, const Env& env, const fs::path& out_file,
            const fs::path& err_file) {
    // Everything the child needs is prepared before fork (only async-signal-safe calls after).
    std::vector<std::string> env_strings = child_environment(env);
    std::vector<char*> envp, argv;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> all{exe};
    all.insert(all.end(), args.begin(), args.end());
    for (auto& s : all) argv.push_back(s.data());
    argv.push_back(nullptr);
    const std::string out = out_file.string(), err = err_file.string();

    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        // The test runner may block signals; the CLI must start with default ones.
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        if (env.file_size_limit >= 0) {
            // Writes past the limit fail with EFBIG, as on a full disk, instead of killing.
            const rlimit lim{rlim_t(env.file_size_limit), rlim_t(env.file_size_limit)};
            signal(SIGXFSZ, SIG_IGN);
            if (setrlimit(RLIMIT_FSIZE, &lim) != 0) _exit(125);
        }
        int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int n = open("/dev/null", O_RDONLY);
        if (o < 0 || e < 0 || n < 0) _exit(126);
        dup2(o, 1);
        dup2(e, 2);
        dup2(n, 0);
        execve(argv[0], argv.data(), envp.data());
        _exit(127);
    }
    return pid;
}

int wait_child(pid_t pid) {
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

Result portrait(const std::vector<std::string>& args, const Env& env) {
    const fs::path out = env.tmpdir / "cli-stdout.txt", err = env.tmpdir / "cli-stderr.txt";
    fs::create_directories(env.tmpdir);
    const auto t0 = std::chrono::steady_clock::now();
    Result r;
    r.code = wait_child(spawn(PORTRAIT_EXE, args, env, out, err));
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.out = read_text(out);
    r.err = read_text(err);
    fs::remove(out);
    fs::remove(err);
    return r;
}

std::string read_text(const fs::path& file) {
    std::ifstream f(file, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

void write_text(const fs::path& file, const std::string& text) {
    if (file.has_parent_path()) fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

}  // namespace cli
