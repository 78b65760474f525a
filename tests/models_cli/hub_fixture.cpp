#include "hub_fixture.hpp"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace portrait::test {
namespace fs = std::filesystem;

HubServer::HubServer(const fs::path& root, const Options& o) {
    dir_ = root.parent_path() / ("hub-" + std::to_string(::getpid()) + "-" + std::to_string(std::rand()));
    fs::create_directories(dir_);
    log_ = dir_ / "requests.jsonl";
    const fs::path port_file = dir_ / "port";
    std::vector<std::string> argv{"/usr/bin/python3", HUB_SERVER_PY, root.string(), "--port-file",
                                  port_file.string(), "--log", log_.string(), "--lifetime",
                                  std::to_string(o.lifetime_s), "--sha-override", o.sha_override};
    if (o.drop_at >= 0) {
        argv.insert(argv.end(), {"--drop-at", std::to_string(o.drop_at), "--drop-times", std::to_string(o.drop_times)});
    }
    if (o.ignore_range) argv.push_back("--ignore-range");
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    if (posix_spawn(&pid_, args[0], nullptr, nullptr, args.data(), environ) != 0)
        throw std::runtime_error("cannot start " HUB_SERVER_PY);
    // Bounded wait for the port file (the server writes it once listening).
    for (int i = 0; i < 200 && port_ == 0; ++i) {
        std::ifstream in(port_file);
        if (!(in >> port_)) {
            port_ = 0;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }
    if (port_ == 0) {
        ::kill(pid_, SIGTERM);
        ::waitpid(pid_, nullptr, 0);
        throw std::runtime_error("the loopback hub did not start within 10 s");
    }
}

HubServer::~HubServer() {
    if (pid_ > 0) {
        ::kill(pid_, SIGTERM);
        ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ec;
    fs::remove_all(dir_, ec);
}

std::vector<nlohmann::json> HubServer::requests() const {
    std::vector<nlohmann::json> out;
    std::ifstream in(log_);
    std::string line;
    while (std::getline(in, line))
        if (!line.empty()) out.push_back(nlohmann::json::parse(line));
    return out;
}

std::vector<nlohmann::json> HubServer::file_requests() const {
    std::vector<nlohmann::json> out;
    for (auto& r : requests())
        if (r.value("kind", "") == "file") out.push_back(r);
    return out;
}

void write_bytes(const fs::path& file, std::size_t size, std::uint32_t seed) {
    fs::create_directories(file.parent_path());
    std::string data(size, '\0');
    std::uint32_t x = seed * 2654435761u + 1;
    for (auto& c : data) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        c = char(x & 0xff);
    }
    std::ofstream(file, std::ios::binary) << data;
}

void write_text(const fs::path& file, const std::string& text) {
    if (file.has_parent_path()) fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
}

std::string read_text(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string run_shell(const std::string& command, int* rc) {
    std::string out;
    FILE* p = ::popen(("( " + command + " ) 2>&1").c_str(), "r");
    if (!p) throw std::runtime_error("popen failed");
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    const int status = ::pclose(p);
    if (rc) *rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return out;
}

std::string sh_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

}  // namespace portrait::test
