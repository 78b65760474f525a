// Which files a batch reads and where each output goes: files, folders, globs and
// list files expanded in a stable order; outputs planned so that none replaces an
// input or another output; a deterministic shard of them for scale-out.
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include <glob.h>

#include "portrait/runtime/batch.hpp"
#include "portrait/runtime/batch_manifest.hpp"
#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/text_escape.hpp"

namespace portrait {
namespace fs = std::filesystem;

namespace {

bool is_image_name(const fs::path& p) {
    static const std::set<std::string> exts{".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp"};
    std::string e = p.extension().string();
    std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return exts.count(e) != 0;
}

bool has_wildcard(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

fs::path canonical_or_self(const fs::path& p) {
    std::error_code ec;
    fs::path c = fs::weakly_canonical(p, ec);
    return ec ? p.lexically_normal() : c;
}

class Collector {
public:
    Collector(std::vector<std::string>* warnings, const fs::path& output_dir) : warnings_(warnings) {
        if (!output_dir.empty()) {
            output_dir_ = canonical_or_self(output_dir);
            for (const auto& rel : manifest_outputs(output_dir))
                skip_.insert(canonical_or_self(output_dir / rel));
        }
    }

    // One command-line argument or list line; `where` ("list.txt:3: ") prefixes a list
    // line's usage errors.
    void add_arg(const std::string& s, const std::string& where = "") {
        const fs::path p(s);
        std::error_code ec;
        const auto lst = fs::symlink_status(p, ec);
        if (!ec && fs::exists(lst)) {
            if (fs::is_directory(fs::status(p, ec)) && !ec) {
                walk_root(p, p);
            } else {
                add_file(p, p.filename());
            }
            return;
        }
        if (has_wildcard(s)) {
            add_glob(s, where);
            return;
        }
        throw UsageError(where + "input " + escape_text(s) + " does not exist");
    }

    std::vector<BatchInput> take() { return std::move(out_); }

private:
    void warn(const std::string& w) {
        if (warnings_) warnings_->push_back(w);
    }

    void push(BatchInput in, const fs::path& key) {
        if (seen_.insert(key).second) out_.push_back(std::move(in));
    }

    void add_file(const fs::path& file, const fs::path& rel) {
        BatchInput in;
        in.file = file;
        in.relative = rel;
        std::error_code ec;
        const auto st = fs::status(file, ec);
        if (ec || !fs::exists(st)) {
            in.error = file.string() + ": broken symbolic link or link loop";
            push(in, file.lexically_normal());
            return;
        }
        const fs::path key = canonical_or_self(file);
        if (skip_.count(key)) return;  // an output of an earlier run into this folder
        push(in, key);
    }

    void add_glob(const std::string& pattern, const std::string& where) {
        glob_t g{};
        const int rc = ::glob(pattern.c_str(), GLOB_TILDE, nullptr, &g);
        if (rc == GLOB_NOMATCH) {
            globfree(&g);
            throw UsageError(where + "input pattern " + escape_text(pattern) + " matches no file");
        }
        std::vector<std::string> matches(g.gl_pathv, g.gl_pathv + g.gl_pathc);
        globfree(&g);
        if (rc != 0) throw UsageError(where + "input pattern " + escape_text(pattern) + " cannot be expanded");
        // Outputs mirror the tree below the pattern's fixed leading folders.
        fs::path base;
        for (const auto& part : fs::path(pattern).parent_path()) {
            if (has_wildcard(part.string())) break;
            base /= part;
        }
        for (const auto& m : matches) {
            const fs::path p(m);
            std::error_code ec;
            if (fs::is_directory(p, ec))
                walk_root(p, base.empty() ? p.parent_path() : base);
            else if (is_image_name(p))
                add_file(p, base.empty() ? p : p.lexically_relative(base));
        }
    }

    void walk_root(const fs::path& dir, const fs::path& base) {
        std::vector<fs::path> ancestors;
        walk(dir, base, ancestors);
    }

    void walk(const fs::path& dir, const fs::path& base, std::vector<fs::path>& ancestors) {
        const fs::path canon = canonical_or_self(dir);
        if (std::find(ancestors.begin(), ancestors.end(), canon) != ancestors.end()) {
            warn("symbolic link loop: " + dir.string() + " leads back to " + canon.string() + "; not followed");
            return;
        }
        if (!visited_.insert(canon).second) return;  // reached before through another link
        if (!ancestors.empty() && canon == output_dir_) return;  // the output folder inside an input folder
        std::error_code ec;
        std::vector<fs::path> entries;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
            entries.push_back(it->path());
        if (ec) warn("cannot read folder " + dir.string() + ": " + ec.message());
        std::sort(entries.begin(), entries.end());
        ancestors.push_back(canon);
        for (const auto& e : entries) {
            const std::string name = e.filename().string();
            if (!name.empty() && name[0] == '.') continue;  // hidden: our temp files and manifest, ._ files
            std::error_code sec;
            const auto st = fs::status(e, sec);
            if (!sec && fs::is_directory(st))
                walk(e, base, ancestors);
            else if (is_image_name(e))
                add_file(e, e.lexically_relative(base));
        }
        ancestors.pop_back();
    }

    std::vector<std::string>* warnings_;
    fs::path output_dir_;
    std::set<fs::path> skip_, seen_, visited_;
    std::vector<BatchInput> out_;
};

// The place below the output folder for an input listed as `rel`: whatever the
// input path holds ("..", a root, "."), the result never climbs out of the folder.
// Leading ".." left after normalising are dropped: "a/../../x/p.png" -> "x/p.png".
fs::path confined_relative(const fs::path& rel) {
    fs::path out;
    for (const auto& part : rel.lexically_normal().relative_path()) {
        if (part == ".." || part == "." || part.empty()) continue;
        out /= part;
    }
    return out.empty() ? fs::path("image") : out;
}

}  // namespace

std::vector<ListedInput> read_input_lists(const std::vector<std::string>& lists) {
    std::vector<ListedInput> out;
    for (const auto& name : lists) {
        std::ifstream file;
        std::istream* in = &std::cin;
        if (name != "-") {
            file.open(name);
            if (!file) throw UsageError("--from-list " + escape_text(name) + ": cannot be read");
            in = &file;
        }
        std::string line;
        for (int n = 1; std::getline(*in, line); ++n) {
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (!line.empty()) out.push_back({line, name, n});
        }
    }
    return out;
}

std::vector<BatchInput> collect_inputs(const std::vector<std::string>& inputs, const std::vector<ListedInput>& listed,
                                       std::vector<std::string>* warnings, const fs::path& skip_outputs_of) {
    Collector c(warnings, skip_outputs_of);
    for (const auto& s : inputs) c.add_arg(s);
    for (const auto& l : listed)
        c.add_arg(l.text, "--from-list " + (l.list == "-" ? std::string("stdin") : escape_text(l.list)) + ":" +
                              std::to_string(l.line) + ": ");
    return c.take();
}

void plan_outputs(std::vector<BatchInput>& inputs, const BatchOptions& o) {
    std::set<fs::path> input_files;
    for (const auto& in : inputs) input_files.insert(canonical_or_self(in.file));
    std::map<std::string, fs::path> used;  // planned output -> the input it is for
    auto replaces_input = [&](const fs::path& rel) { return input_files.count(canonical_or_self(o.output_dir / rel)) != 0; };
    for (auto& in : inputs) {
        fs::path rel = confined_relative(in.relative);
        if (!o.format.empty()) rel.replace_extension("." + o.format);
        const fs::path planned = rel;
        const fs::path stem = rel.parent_path() / rel.stem();
        const std::string ext = rel.extension().string();
        // -o pointing at an input folder: the output must not be any input file.
        if (replaces_input(rel)) {
            in.rename_reason = "the output would replace the input " + (o.output_dir / rel).string();
            rel = fs::path(stem.string() + "-portrait" + ext);
        }
        const fs::path first = rel;
        for (int k = 2; used.count(rel.generic_string()) || replaces_input(rel); ++k) {
            const auto other = used.find(rel.generic_string());
            if (in.rename_reason.empty())  // the first name taken is the one the user expects
                in.rename_reason =
                    other != used.end()
                        ? "the output of " + other->second.string() + " has the name " + rel.generic_string()
                        : "the output would replace the input " + (o.output_dir / rel).string();
            rel = fs::path((first.parent_path() / first.stem()).string() + "-" + std::to_string(k) + ext);
        }
        used.emplace(rel.generic_string(), in.file);
        in.output_rel = rel;
        if (rel != planned) in.renamed_from = planned;
    }
}

fs::path output_path_for(const BatchInput& in, const BatchOptions& o) {
    if (!in.output_rel.empty()) return o.output_dir / in.output_rel;
    std::vector<BatchInput> one{in};
    plan_outputs(one, o);
    return o.output_dir / one[0].output_rel;
}

bool in_shard(const fs::path& output_rel, int index, int count) {
    if (count <= 1) return true;
    // FNV-1a over the relative output path: the same on every machine, whatever order
    // or timing the shards start in.
    std::uint64_t h = 1469598103934665603ull;
    for (unsigned char c : output_rel.generic_string()) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return int(h % std::uint64_t(count)) == index;
}

void parse_shard(const std::string& text, int& index, int& count) {
    const auto slash = text.find('/');
    try {
        if (slash == std::string::npos) throw std::invalid_argument("no slash");
        std::size_t a = 0, b = 0;
        index = std::stoi(text.substr(0, slash), &a);
        count = std::stoi(text.substr(slash + 1), &b);
        if (a != slash || b != text.size() - slash - 1) throw std::invalid_argument("junk");
    } catch (const std::exception&) {
        throw UsageError("--shard must be I/N, e.g. 0/4 (got '" + text + "')");
    }
    if (count < 1 || index < 0 || index >= count)
        throw UsageError("--shard I/N needs 0 <= I < N (got '" + text + "')");
}

}  // namespace portrait
