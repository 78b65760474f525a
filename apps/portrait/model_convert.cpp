#include "model_convert.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <stdexcept>

#include "portrait/runtime/data_dirs.hpp"
#include "portrait/runtime/logging.hpp"

#ifndef PORTRAIT_PYTHON
#define PORTRAIT_PYTHON "/usr/bin/python3"
#endif

extern char** environ;

namespace portrait::cli {
namespace fs = std::filesystem;

namespace {

struct KindRow {
    const char* name;
    const char* kind;
    const char* script;
    const char* model;
};

constexpr KindRow kKinds[] = {
    {"facemesh", "facemesh", "facemesh.py", ""},
    {"skin-retouching", "skin-retouching", "skin_retouching.py", ""},
    {"gpen", "gpen", "gpen.py", ""},
    {"realesrnet", "realesrnet", "realesrnet.py", ""},
    {"skin_retouching", "skin-retouching", "skin_retouching.py", ""},
    {"gpen-512", "gpen", "gpen.py", "gpen-512"},
    {"gpen-1024", "gpen", "gpen.py", "gpen-1024"},
    {"gpen-2048", "gpen", "gpen.py", "gpen-2048"},
    {"realesrnet-x2", "realesrnet", "realesrnet.py", "realesrnet-x2"},
    {"eqface", "eqface", "eqface.py", "eqface"},
    {"esrgan", "esrgan", "esrgan.py", ""},
};

std::string lower(std::string s) {
    for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

const std::vector<std::string>& converter_kinds() {
    static const std::vector<std::string> kinds{"facemesh", "skin-retouching", "gpen", "realesrnet", "eqface", "esrgan"};
    return kinds;
}

ConverterKind resolve_converter(const std::string& name) {
    for (const auto& r : kKinds)
        if (name == r.name) return {r.kind, r.script, r.model};
    std::string known;
    for (const auto& k : converter_kinds()) known += (known.empty() ? "" : ", ") + k;
    throw std::runtime_error("unknown converter kind '" + name + "' (known: " + known +
                             "; or a model name: gpen-512, gpen-1024, gpen-2048, realesrnet-x2)");
}

fs::path converters_dir() {
    if (const char* env = std::getenv("PORTRAIT_CONVERT_DIR"); env && *env) return env;
    fs::path p = find_data("models/convert");
    if (p.empty()) throw std::runtime_error("the converters folder models/convert was not found");
    return p;
}

std::string python_executable() {
    if (const char* env = std::getenv("PORTRAIT_PYTHON"); env && *env) return env;
    return PORTRAIT_PYTHON;
}

bool python_has_torch(const std::string& python) {
    // find_spec looks the package up without importing it (importing torch takes seconds).
    return run_process({python, "-c",
                        "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('torch') else 3)"}) == 0;
}

fs::path default_convert_output(const ConverterKind& kind, const fs::path& source, std::string* note) {
    const fs::path models = cache_dir() / "models";
    if (!kind.model.empty()) return models / kind.model / "model.pt";
    if (kind.kind == "facemesh") return models / "facemesh" / "facemesh.onnx";
    if (kind.kind == "skin-retouching") return models / "skin-retouching";
    if (kind.kind == "esrgan") {
        // The catalogue's folders are esrgan-thick, -medium, -slim; the npm package path names the variant.
        const std::string s = lower(fs::absolute(source).lexically_normal().string());
        std::string m = "esrgan";
        for (const char* v : {"thick", "medium", "slim"})
            if (s.find(v) != std::string::npos) m = std::string("esrgan-") + v;
        if (note) *note = "writing " + m + " (from the source path); pass -o to choose";
        std::error_code ec;
        if (fs::is_regular_file(source / "model.json", ec)) return models / m / source.filename() / "model.pt";
        return models / m / "esrgan.json";
    }
    if (kind.kind == "realesrnet") {
        const std::string m = lower(source.filename().string()).find("x4") != std::string::npos ? "realesrnet-x4"
                                                                                                  : "realesrnet-x2";
        if (note) *note = "writing " + m + " (from the source's file name); pass -o to choose";
        return models / m / "model.pt";
    }
    // gpen: the original pipeline picks 1024 when the model path says "hires".
    const std::string s = lower(fs::absolute(source).lexically_normal().string());
    const std::string name = lower(source.filename().string());
    std::string m = "gpen-512";
    if (name.find("2048") != std::string::npos)
        m = "gpen-2048";
    else if (s.find("hires") != std::string::npos || s.find("1024") != std::string::npos)
        m = "gpen-1024";
    if (note) *note = "writing " + m + " (guessed from the source path, as the original pipeline does); pass -o to choose";
    return models / m / "model.pt";
}

int run_process(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::cout.flush();
    std::cerr.flush();
    // main() blocks SIGINT/SIGTERM for its signal thread; the child must get them normally.
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, defaults;
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, args[0], nullptr, &attr, args.data(), environ);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(rc));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw std::runtime_error("waitpid failed for " + argv[0]);
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}

int run_converter(const ConverterKind& kind, const fs::path& source, const fs::path& out) {
    const fs::path script = converters_dir() / kind.script;
    std::error_code ec;
    if (!fs::is_regular_file(script, ec))
        throw std::runtime_error("the " + kind.kind + " converter " + script.string() + " does not exist");
    const std::string python = python_executable();
    if (!fs::exists(python, ec))
        throw std::runtime_error(python + " not found; the converters need Debian's python3 with torch "
                                          "(apt-get install python3 python3-torch)");
    if (!python_has_torch(python))
        throw std::runtime_error(python + " has no torch module; install it with: apt-get install python3-torch");
    std::cerr << "portrait models: " << python << " " << script.string() << " " << source.string() << " -o "
              << out.string() << "\n";
    const int rc = run_process({python, script.string(), source.string(), "-o", out.string()});
    if (rc != 0)
        std::cerr << "portrait models: the " << kind.kind << " converter failed (exit " << rc << ") on "
                  << source.string() << "\n";
    return rc;
}

}  // namespace portrait::cli
