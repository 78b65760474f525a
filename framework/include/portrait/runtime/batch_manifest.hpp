// The manifest a batch keeps in its output folder (.portrait/manifest*.jsonl): one JSON
// line per written output naming the input's bytes (SHA-256) and the pipeline's
// fingerprint, so --resume can skip what is already done. Appended line by line: a
// crash loses at most the line being written, and a torn line is ignored on reading.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace portrait {

struct ManifestEntry {
    std::string output;        // relative to the output folder, '/' separated
    std::string input;         // as listed
    std::string input_sha256;
    std::string pipeline;      // pipeline_fingerprint()
    std::uint64_t output_size = 0;
};

// <output_dir>/.portrait
std::filesystem::path manifest_dir(const std::filesystem::path& output_dir);
// Every manifest in the folder (one per shard), later lines winning, keyed by output.
std::map<std::string, ManifestEntry> read_manifest(const std::filesystem::path& output_dir);
// The outputs the manifests record (relative paths).
std::vector<std::filesystem::path> manifest_outputs(const std::filesystem::path& output_dir);

class ManifestWriter {
public:
    // Opens (appending) manifest.jsonl, or manifest-shard-I-of-N.jsonl for a shard, so
    // shards writing into one folder never share a file. Returns false with `error` set
    // when the folder is not writable (the batch goes on without --resume support).
    bool open(const std::filesystem::path& output_dir, int shard_index, int shard_count, std::string& error);
    void append(const ManifestEntry& entry);
    ~ManifestWriter();

private:
    int fd_ = -1;
    std::mutex mutex_;
};

// Lower-case hex SHA-256 of bytes in memory.
std::string sha256_hex(const void* data, std::size_t size);

}  // namespace portrait
