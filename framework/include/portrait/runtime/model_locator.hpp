// Where model files are looked up, in order: the pipeline's model_paths,
// $PORTRAIT_MODELS (colon-separated), then ${PORTRAIT_CACHE:-~/.cache/portrait}/models.
// A model <name> is a folder <dir>/<name>/ holding its files and their .sha256 sidecars.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace portrait {

class ModelLocator {
public:
    explicit ModelLocator(std::vector<std::filesystem::path> pipeline_dirs = {});
    const std::vector<std::filesystem::path>& search_path() const { return dirs_; }
    // Path of <dir>/<model>/<file> in the first folder that has it, checked against its
    // sha256 sidecar. Throws std::runtime_error naming every folder searched and the
    // command that fetches or converts the model.
    std::filesystem::path find(const std::string& model, const std::string& file) const;
    // Same search without the checksum check or the throw; empty if absent.
    std::filesystem::path locate(const std::string& model, const std::string& file) const;

    // Every file find() returned so far, as "<model>/<file> <sha256>", sorted: what the
    // stages were built from (the resume fingerprint counts it). Thread-safe.
    std::vector<std::string> found() const;

private:
    struct Found;
    std::vector<std::filesystem::path> dirs_;
    std::shared_ptr<Found> found_;
};

}  // namespace portrait
