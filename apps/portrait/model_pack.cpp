#include "model_pack.hpp"

#include <algorithm>
#include <fstream>
#include <stdexcept>

#include "portrait/runtime/sha256.hpp"

namespace portrait::cli {
namespace fs = std::filesystem;

namespace {

// Copy via <dst>.part so that an interrupted pack never leaves a truncated file under its name.
void copy_atomic(const fs::path& src, const fs::path& dst) {
    const fs::path part = dst.string() + ".part";
    std::error_code ec;
    fs::copy_file(src, part, fs::copy_options::overwrite_existing, ec);
    if (!ec) fs::rename(part, dst, ec);
    if (ec) {
        fs::remove(part, ec);
        throw std::runtime_error("cannot copy " + src.string() + " to " + dst.string() + ": " + ec.message());
    }
}

bool is_sidecar_or_part(const fs::path& p) {
    const std::string ext = p.extension().string();
    return ext == ".sha256" || ext == ".part";
}

const char* kReadme =
    "Converted model files for portrait, written by `portrait models pack`.\n"
    "\n"
    "Use them on a machine without network access, either in place:\n"
    "    PORTRAIT_MODELS=/path/to/this/folder portrait run INPUT -o OUT\n"
    "or by copying the model folders into the cache portrait looks in:\n"
    "    mkdir -p ~/.cache/portrait/models && cp -r */ ~/.cache/portrait/models/\n"
    "    (or $PORTRAIT_CACHE/models/ when PORTRAIT_CACHE is set)\n"
    "\n"
    "Every model file has a <file>.sha256 sidecar that portrait checks before loading it;\n"
    "`cd MODEL && sha256sum -c *.sha256` checks them by hand.\n"
    "catalogue.yaml says where each model came from and under which licence.\n"
    "\n"
    "Models:\n";

}  // namespace

PackResult pack_models(const fs::path& models_dir, const fs::path& dir, const fs::path& catalogue,
                       const std::vector<std::string>& only) {
    PackResult r;
    std::error_code ec;
    if (!fs::is_directory(models_dir, ec))
        throw std::runtime_error("no converted models: " + models_dir.string() +
                                 " does not exist; run 'portrait models fetch NAME' first");
    if (fs::exists(dir, ec) && fs::equivalent(dir, models_dir, ec))
        throw std::runtime_error("the pack folder must not be the cache's models folder itself");
    std::vector<fs::path> model_dirs;
    for (const auto& e : fs::directory_iterator(models_dir)) {
        if (!e.is_directory()) continue;
        const std::string name = e.path().filename().string();
        if (!only.empty() && std::find(only.begin(), only.end(), name) == only.end()) continue;
        model_dirs.push_back(e.path());
    }
    for (const auto& want : only)
        if (!fs::is_directory(models_dir / want, ec))
            throw std::runtime_error("model '" + want + "' is not in " + models_dir.string());
    std::sort(model_dirs.begin(), model_dirs.end());
    std::string listing;
    for (const auto& md : model_dirs) {
        const std::string model = md.filename().string();
        std::vector<fs::path> files;
        for (const auto& e : fs::recursive_directory_iterator(md))
            if (e.is_regular_file() && !is_sidecar_or_part(e.path())) files.push_back(e.path());
        std::sort(files.begin(), files.end());
        // Checked files (sidecar matches) are the model; files without a sidecar (e.g. a
        // converter's model.pt.json) go along with them; damaged files never do.
        std::vector<fs::path> checked, extras;
        for (const auto& f : files) {
            const fs::path rel = fs::relative(f, models_dir);
            if (!fs::exists(f.string() + ".sha256", ec)) {
                extras.push_back(f);
                continue;
            }
            try {
                verify_sha256_sidecar(f);
                checked.push_back(f);
            } catch (const std::exception& e) {
                r.skipped.push_back(rel.string() + ": " + e.what());
            }
        }
        if (checked.empty()) {
            for (const auto& f : extras)
                r.skipped.push_back(fs::relative(f, models_dir).string() + ": no checked model file beside it");
            continue;
        }
        for (const auto& f : checked) {
            const fs::path rel = fs::relative(f, models_dir);
            const fs::path dst = dir / rel;
            fs::create_directories(dst.parent_path());
            copy_atomic(f, dst);
            copy_atomic(f.string() + ".sha256", dst.string() + ".sha256");
            r.bytes += fs::file_size(f);
            ++r.files;
            listing += "  " + rel.string() + "\n";
        }
        for (const auto& f : extras) {
            const fs::path rel = fs::relative(f, models_dir);
            fs::create_directories((dir / rel).parent_path());
            copy_atomic(f, dir / rel);
            r.bytes += fs::file_size(f);
            r.unchecked.push_back(rel.string());
        }
        r.models.push_back(model);
    }
    if (r.files == 0) return r;
    if (!catalogue.empty()) copy_atomic(catalogue, dir / "catalogue.yaml");
    std::ofstream readme(dir / "README.txt");
    readme << kReadme << listing;
    if (!readme) throw std::runtime_error("cannot write " + (dir / "README.txt").string());
    return r;
}

}  // namespace portrait::cli
