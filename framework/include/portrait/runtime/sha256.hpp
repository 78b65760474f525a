// SHA-256 of files, for model and plugin integrity checks.
#pragma once

#include <filesystem>
#include <string>

namespace portrait {

// Lower-case hex digest of the file's bytes. Throws std::runtime_error if unreadable.
std::string sha256_file(const std::filesystem::path& file);

// `file` against its sidecar `file.sha256` (sha256sum format), without throwing: the one
// integrity check, behind verify_sha256_sidecar and `portrait models list`.
struct SidecarCheck {
    enum Result { Ok, NoSidecar, Mismatch, Unreadable } result = Ok;
    std::string expected, actual;  // digests (actual empty unless the file was read)
    std::string message;           // why it is refused, naming the file; empty when Ok
};
SidecarCheck check_sha256_sidecar(const std::filesystem::path& file);

// Checks `file` against its sidecar `file.sha256` (sha256sum format). Throws
// std::runtime_error naming the file when the sidecar is missing or does not match.
void verify_sha256_sidecar(const std::filesystem::path& file);

}  // namespace portrait
