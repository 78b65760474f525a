// portrait models: the model catalogue, converters and the cache.
#include <iomanip>
#include <iostream>

#include "cli_common.hpp"
#include "commands.hpp"
#include "model_convert.hpp"
#include "model_pack.hpp"
#include "models_commands.hpp"
#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/logging.hpp"
#include "portrait/runtime/model_locator.hpp"
#include "portrait/runtime/sha256.hpp"
#include "portrait/runtime/suggest.hpp"

namespace po = boost::program_options;

namespace portrait::cli {
namespace fs = std::filesystem;

namespace {

// `portrait models --help`, from the tables below.
std::string models_help() {
    return "usage: portrait models COMMAND [ARGS]\n\n"
           "Model files: where they come from, where they are, how to get them.\n\n"
           "Commands:\n" + format_commands(models_commands()) +
           "\n'portrait models COMMAND --help' shows a command's options.\n\nEnvironment:\n" +
           format_notes(models_environment()) + "\nExit status: 0 success, 2 usage error or failure.\n";
}

// "ready": every product file is on the search path and matches its sha256 sidecar
// (the check a run makes before loading it); otherwise what is wrong with which file.
std::string entry_status(const CatalogueEntry& e, const ModelLocator& loc) {
    std::error_code ec;
    int have = 0, total = 0;
    std::string where, modified, unverified, unreadable;
    auto add = [](std::string& list, const std::string& item) { list += (list.empty() ? "" : ", ") + item; };
    for (const auto& rel : e.product_files()) {
        const fs::path p(rel);
        if (p.begin()->string() != "models") {  // e.g. samples/samples.jpg: cache only
            ++total;
            if (fs::is_regular_file(cache_dir() / p, ec)) ++have;
            continue;
        }
        const fs::path inside = p.lexically_relative("models");
        const std::string model = inside.begin()->string();
        const fs::path file = inside.lexically_relative(model);
        ++total;
        const fs::path found = loc.locate(model, file.string());
        if (found.empty()) continue;
        switch (check_sha256_sidecar(found).result) {
            case SidecarCheck::Ok:
                ++have;
                if (where.empty()) where = found.parent_path().parent_path().string();
                break;
            case SidecarCheck::Mismatch: add(modified, found.string()); break;
            case SidecarCheck::NoSidecar: add(unverified, found.string()); break;
            case SidecarCheck::Unreadable: add(unreadable, found.string()); break;
        }
    }
    std::string s;
    if (!modified.empty())
        s = "modified (sha256 mismatch: " + modified + "; fetch or convert it again)";
    else if (!unreadable.empty())
        s = "unreadable (" + unreadable + ")";
    else if (!unverified.empty())
        s = "unverified (no sha256 sidecar: " + unverified + ")";
    else if (total > 0 && have == total)
        s = "ready (in " + where + ")";
    else if (have > 0)
        s = "partly converted (" + std::to_string(have) + " of " + std::to_string(total) + " files)";
    else
        s = "not converted";
    if (e.kind == "modelscope") {
        if (fs::is_directory(modelscope_download_dir(e.model_id), ec) && have < total)
            s += ", downloaded";
        else if (have < total && !find_user_download(e).empty())
            s += ", your download found";
    }
    return s;
}

}  // namespace

int models_list(const std::vector<std::string>& args) {
    po::options_description desc("Options");
    po::variables_map vm;
    if (parse(args, desc, nullptr, vm,
              "portrait models list\n\nCatalogue entries with their licence, source, the models they provide\n"
              "and whether the cache (or $PORTRAIT_MODELS) holds their converted files."))
        return kOk;
    const Catalogue cat = load_catalogue(default_catalogue_path());
    const ModelLocator loc;
    std::cout << "catalogue " << cat.file.string() << "\ncache     " << (cache_dir() / "models").string() << "\n\n";
    for (const auto& e : cat.entries) {
        std::string source = e.kind == "npm" ? "npm " + e.package + "@" + e.version
                                             : "modelscope " + e.model_id + "@" + e.revision;
        std::cout << std::left << std::setw(17) << e.name << " " << entry_status(e, loc) << "\n";
        std::cout << "    source:   " << source << "\n";
        std::cout << "    licence:  " << e.licence << "\n";
        if (!e.upstream_licence.empty()) std::cout << "    weights:  " << e.upstream_licence << "\n";
        std::string provides;
        for (const auto& m : e.product_models()) provides += (provides.empty() ? "" : ", ") + m;
        std::cout << "    provides: " << provides << "\n";
        if (!e.description.empty()) std::cout << "    " << e.description << "\n";
    }
    return kOk;
}

int models_path(const std::vector<std::string>& args) {
    po::options_description desc("Options");
    desc.add_options()("name", po::value<std::string>()->value_name("NAME"), "catalogue entry or model name");
    po::positional_options_description pos;
    pos.add("name", 1);
    po::variables_map vm;
    if (parse(args, desc, &pos, vm,
              "portrait models path [NAME]\n\nWithout NAME: the folders searched for models, in order.\n"
              "With NAME: the folder of each model it provides (where its files are, or would go)\n"
              "and, for ModelScope models, where the download goes."))
        return kOk;
    const ModelLocator loc;
    if (!vm.count("name")) {
        for (const auto& d : loc.search_path()) std::cout << d.string() << "\n";
        return kOk;
    }
    const std::string name = vm["name"].as<std::string>();
    const Catalogue cat = load_catalogue(default_catalogue_path());
    const CatalogueEntry* e = cat.find_for_model(name);
    std::vector<std::string> models;
    if (!e)
        models.push_back(name);  // a model outside the catalogue (e.g. converted by hand)
    else if (e->name == name || e->kind == "npm")
        models = e->product_models();
    else
        models.push_back(name);
    std::error_code ec;
    for (const auto& m : models) {
        fs::path where;
        for (const auto& d : loc.search_path())
            if (fs::is_directory(d / m, ec)) {
                where = d / m;
                break;
            }
        if (where.empty() && !e) {
            std::cerr << "portrait models: '" << name << "' is neither in the catalogue nor on the search path\n";
            return kUsage;
        }
        if (where.empty()) {
            std::cout << (cache_dir() / "models" / m).string() << "\n";
            std::cerr << "portrait models: " << m << " is not there yet; get it with: portrait models fetch "
                      << (e ? e->name : m) << "\n";
        } else {
            std::cout << where.string() << "\n";
        }
    }
    if (e && e->kind == "modelscope") std::cout << modelscope_download_dir(e->model_id).string() << "\n";
    return kOk;
}

int models_convert(const std::vector<std::string>& args) {
    po::options_description desc("Options");
    desc.add_options()
        ("kind", po::value<std::string>()->value_name("KIND"), "facemesh, skin-retouching, gpen, realesrnet, eqface or esrgan (or gpen-512, gpen-1024, gpen-2048, realesrnet-x2)")
        ("source", po::value<std::string>()->value_name("SOURCE"), "the checkpoint file or model folder to convert")
        ("output,o", po::value<std::string>()->value_name("OUT"), "output file or folder (default: where the stages look, in the cache)");
    po::positional_options_description pos;
    pos.add("kind", 1).add("source", 1);
    po::variables_map vm;
    if (parse(args, desc, &pos, vm,
              "portrait models convert KIND SOURCE [-o OUT]\n\n"
              "Runs " + python_executable() + " models/convert/<kind>.py SOURCE -o OUT and passes its\n"
              "messages and exit status through. SOURCE: facemesh: the folder with facemesh.json/.bin;\n"
              "skin-retouching: the ModelScope folder (pytorch_model.pt, joint_20210926.pth);\n"
              "gpen: pytorch_model.pt (a 512, 1024 or 2048 generator); realesrnet: realesrnet_x2.pth;\n"
              "eqface: the face_quality folder (eqface_backbone.pth, eqface_quality.pth);\n"
              "esrgan: an UpscalerJS scale folder (model.json + shards) or a folder of x2/, x3/, x4/.\n"
              "Without -o, gpen's size is guessed from the path ('2048', 'hires' or '1024', else 512)."))
        return kOk;
    if (!vm.count("kind") || !vm.count("source")) throw SyntaxError("give KIND and SOURCE");
    ConverterKind kind;
    try {
        kind = resolve_converter(vm["kind"].as<std::string>());
    } catch (const std::exception& e) {
        throw UsageError(e.what());
    }
    const fs::path source = vm["source"].as<std::string>();
    std::error_code ec;
    if (!fs::exists(source, ec)) throw UsageError("source " + source.string() + " does not exist");
    fs::path out;
    if (vm.count("output")) {
        out = vm["output"].as<std::string>();
    } else {
        std::string note;
        out = default_convert_output(kind, source, &note);
        if (!note.empty()) std::cout << "portrait models: " << note << "\n";
        fs::create_directories(kind.kind == "skin-retouching" ? out : out.parent_path(), ec);
    }
    int rc = 0;
    try {
        rc = run_converter(kind, source, out);
    } catch (const std::exception& e) {
        std::cerr << "portrait models convert: " << e.what() << "\n";
        return kUsage;
    }
    return rc == 0 ? kOk : (rc > 0 && rc < 256 ? rc : kUsage);
}

int models_pack(const std::vector<std::string>& args) {
    po::options_description desc("Options");
    desc.add_options()
        ("dir", po::value<std::string>()->value_name("DIR"), "folder to write (created if missing)")
        ("model", po::value<std::vector<std::string>>()->composing()->value_name("NAME"), "pack only this model folder (repeatable)");
    po::positional_options_description pos;
    pos.add("dir", 1);
    po::variables_map vm;
    if (parse(args, desc, &pos, vm,
              "portrait models pack DIR [--model NAME]...\n\n"
              "Copies the converted models of the cache (" + (cache_dir() / "models").string() + "),\n"
              "each file checked against its .sha256 sidecar and copied with it, plus the catalogue\n"
              "and a README.txt, into DIR. On the offline machine:\n"
              "  PORTRAIT_MODELS=DIR portrait run ...   or copy DIR's folders into ~/.cache/portrait/models/"))
        return kOk;
    if (!vm.count("dir")) throw SyntaxError("give the folder to pack into");
    const fs::path dir = vm["dir"].as<std::string>();
    std::vector<std::string> only;
    if (vm.count("model")) only = vm["model"].as<std::vector<std::string>>();
    fs::path catalogue;
    try {
        catalogue = default_catalogue_path();
    } catch (const std::exception&) {  // packing still works without it
    }
    PackResult r;
    try {
        r = pack_models(cache_dir() / "models", dir, catalogue, only);
    } catch (const std::exception& e) {
        std::cerr << "portrait models pack: " << e.what() << "\n";
        return kUsage;
    }
    for (const auto& s : r.skipped) std::cout << "portrait models: not packed: " << s << "\n";
    for (const auto& s : r.unchecked) std::cout << "portrait models: copied without a checksum: " << s << "\n";
    if (r.files == 0) {
        std::cerr << "portrait models pack: no converted model files with sidecars in "
                  << (cache_dir() / "models").string() << "; run 'portrait models fetch NAME' first\n";
        return kUsage;
    }
    std::string models;
    for (const auto& m : r.models) models += (models.empty() ? "" : ", ") + m;
    char mb[32];
    std::snprintf(mb, sizeof mb, "%.1f MB", double(r.bytes) / 1e6);
    std::cout << "portrait models: packed " << r.files << " files (" << mb << ") of " << models << " into "
              << dir.string() << "\nuse it offline with: PORTRAIT_MODELS=" << fs::absolute(dir).string()
              << " portrait run ...\n";
    return kOk;
}

const std::vector<Command>& models_commands() {
    static const std::vector<Command> list{
        {"list", "", "catalogue entries, licences, sources and what the cache holds", models_list, {}},
        {"path", "[NAME]", "the model search path, or where NAME's files are", models_path, {}},
        {"fetch", "NAME...", "download (npm or ModelScope hub) and convert into the cache", models_fetch, {}},
        {"convert", "KIND SOURCE", "run a converter (facemesh, skin-retouching, gpen, realesrnet)", models_convert, {}},
        {"pack", "DIR", "copy the converted models into DIR for an offline machine", models_pack, {}},
    };
    return list;
}

const std::vector<Note>& models_environment() {
    static const std::vector<Note> list{
        {"PORTRAIT_CACHE", "cache root (~/.cache/portrait); models in models/<name>/"},
        {"PORTRAIT_MODELS", "extra model folders searched first (colon-separated)"},
        {"PORTRAIT_MODELSCOPE_ENDPOINT", "ModelScope hub address (https://www.modelscope.cn)"},
        {"PORTRAIT_PYTHON", "python with torch for the converters (/usr/bin/python3)"},
        {"PORTRAIT_CONVERT_DIR", "converters folder (models/convert of the installation)"},
        {"PORTRAIT_FETCH_RETRY_DELAY_MS", "first wait between download retries (1000)"},
    };
    return list;
}

int cmd_models(const std::vector<std::string>& args) {
    globals().command_path = "models";
    if (args.empty()) {
        std::cerr << models_help();
        return kUsage;
    }
    if (args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        std::cout << models_help();
        return kOk;
    }
    const Command* c = find_command(models_commands(), args[0]);
    if (!c)
        throw SyntaxError("unknown 'models' command '" + args[0] + "'" +
                          did_you_mean(args[0], command_names(models_commands())));
    return c->run(std::vector<std::string>(args.begin() + 1, args.end()));
}

}  // namespace portrait::cli
