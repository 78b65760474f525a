// Test helpers: a loopback ModelScope hub (hub_server.py), temp folders, files, commands.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_temp_dir.hpp"

namespace portrait::test {

using TempDir = portrait_test::TempDir;

// hub_server.py on 127.0.0.1 with an ephemeral port, serving `root`/<org>/<name>/...
// It stops by itself after `lifetime_s`; the destructor stops it earlier.
class HubServer {
public:
    struct Options {
        long drop_at = -1;       // close the connection after this many body bytes
        int drop_times = 1;      // ... for the first N plain downloads of each file
        bool ignore_range = false;
        std::string sha_override = "{}";  // {"org/name/path": "hex"}
        double lifetime_s = 90;
    };
    HubServer(const std::filesystem::path& root, const Options& options);
    explicit HubServer(const std::filesystem::path& root) : HubServer(root, Options()) {}
    ~HubServer();
    HubServer(const HubServer&) = delete;
    HubServer& operator=(const HubServer&) = delete;
    std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
    // Every request so far: {"path", "range", "status", "kind", "file", "sent", "dropped"}.
    std::vector<nlohmann::json> requests() const;
    std::vector<nlohmann::json> file_requests() const;  // kind == "file"

private:
    pid_t pid_ = -1;
    int port_ = 0;
    std::filesystem::path log_, dir_;
};

// Deterministic pseudo-random bytes.
void write_bytes(const std::filesystem::path& file, std::size_t size, std::uint32_t seed);
void write_text(const std::filesystem::path& file, const std::string& text);
std::string read_text(const std::filesystem::path& file);

// Runs `command` with /bin/sh, stdout and stderr together; the exit status in *rc.
std::string run_shell(const std::string& command, int* rc);
// Single-quoted for sh.
std::string sh_quote(const std::string& s);

}  // namespace portrait::test
