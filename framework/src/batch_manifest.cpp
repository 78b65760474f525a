#include "portrait/runtime/batch_manifest.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <unistd.h>

#include "portrait/runtime/text_escape.hpp"

namespace portrait {
namespace fs = std::filesystem;

fs::path manifest_dir(const fs::path& output_dir) { return output_dir / ".portrait"; }

std::map<std::string, ManifestEntry> read_manifest(const fs::path& output_dir) {
    std::map<std::string, ManifestEntry> entries;
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(manifest_dir(output_dir), ec)) {
        const std::string name = e.path().filename().string();
        if (name.rfind("manifest", 0) == 0 && e.path().extension() == ".jsonl") files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        std::ifstream in(f);
        std::string line;
        while (std::getline(in, line)) {
            const auto j = nlohmann::json::parse(line, nullptr, false);
            if (j.is_discarded() || !j.is_object()) continue;  // a line torn by a crash
            ManifestEntry m;
            // A name that is not clean text is stored escaped for readers and as hex
            // for us: the hex gives back the real bytes.
            m.output = j.contains("output_hex") ? from_hex(j.value("output_hex", "")) : j.value("output", "");
            m.input = j.contains("input_hex") ? from_hex(j.value("input_hex", "")) : j.value("input", "");
            m.input_sha256 = j.value("input_sha256", "");
            m.pipeline = j.value("pipeline", "");
            m.output_size = j.value("output_size", std::uint64_t(0));
            if (!m.output.empty()) entries[m.output] = m;
        }
    }
    return entries;
}

std::vector<fs::path> manifest_outputs(const fs::path& output_dir) {
    std::vector<fs::path> out;
    for (const auto& [rel, entry] : read_manifest(output_dir)) out.emplace_back(rel);
    return out;
}

bool ManifestWriter::open(const fs::path& output_dir, int shard_index, int shard_count, std::string& error) {
    std::error_code ec;
    fs::create_directories(manifest_dir(output_dir), ec);
    const std::string name = shard_count > 1 ? "manifest-shard-" + std::to_string(shard_index) + "-of-" +
                                                   std::to_string(shard_count) + ".jsonl"
                                             : "manifest.jsonl";
    const fs::path file = manifest_dir(output_dir) / name;
    fd_ = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) {
        error = "cannot write the resume manifest " + file.string() + ": " + std::strerror(errno);
        return false;
    }
    return true;
}

void ManifestWriter::append(const ManifestEntry& m) {
    if (fd_ < 0) return;
    nlohmann::json j = {{"output", escape_text(m.output)},
                        {"input", escape_text(m.input)},
                        {"input_sha256", m.input_sha256},
                        {"pipeline", m.pipeline},
                        {"output_size", m.output_size}};
    if (!is_clean_text(m.output)) j["output_hex"] = to_hex(m.output);
    if (!is_clean_text(m.input)) j["input_hex"] = to_hex(m.input);
    // A line starting with a newline ends a line a crash may have torn.
    const std::string line = "\n" + j.dump() + "\n";
    std::lock_guard<std::mutex> lock(mutex_);
    // One write() per line with O_APPEND: lines from concurrent writers never interleave.
    if (::write(fd_, line.data(), line.size()) < 0) return;  // the output is written; only resume loses it
}

ManifestWriter::~ManifestWriter() {
    if (fd_ >= 0) {
        ::fsync(fd_);
        ::close(fd_);
    }
}

std::string sha256_hex(const void* data, std::size_t size) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data, size, md, &len, EVP_sha256(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string s;
    s.reserve(len * 2);
    for (unsigned int i = 0; i < len; ++i) {
        s.push_back(hex[md[i] >> 4]);
        s.push_back(hex[md[i] & 15]);
    }
    return s;
}

}  // namespace portrait
