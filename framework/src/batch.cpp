#include "portrait/runtime/batch.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/logging.hpp"
#include "portrait/runtime/resources.hpp"
#include "portrait/runtime/temp_dir.hpp"

namespace portrait {
namespace fs = std::filesystem;

namespace {

bool is_image_name(const fs::path& p) {
    static const std::set<std::string> exts{".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".bmp"};
    std::string e = p.extension().string();
    std::transform(e.begin(), e.end(), e.begin(), ::tolower);
    return exts.count(e) != 0;
}

}  // namespace

std::vector<BatchInput> collect_inputs(const std::vector<std::string>& inputs) {
    std::vector<BatchInput> out;
    std::set<fs::path> seen;
    auto add = [&](const fs::path& file, const fs::path& rel) {
        std::error_code ec;
        fs::path key = fs::weakly_canonical(file, ec);
        if (seen.insert(key).second) out.push_back({file, rel});
    };
    for (const auto& s : inputs) {
        fs::path p(s);
        std::error_code ec;
        if (fs::is_directory(p, ec)) {
            std::vector<fs::path> files;
            for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
                 it != fs::recursive_directory_iterator(); it.increment(ec)) {
                if (ec) break;
                if (it->is_regular_file(ec) && is_image_name(it->path())) files.push_back(it->path());
            }
            std::sort(files.begin(), files.end());
            for (const auto& f : files) add(f, f.lexically_relative(p));
        } else if (fs::exists(p, ec)) {
            add(p, p.filename());
        } else {
            throw UsageError("input " + s + " does not exist");
        }
    }
    return out;
}

fs::path output_path_for(const BatchInput& in, const BatchOptions& o) {
    fs::path rel = in.relative;
    if (!o.format.empty()) rel.replace_extension("." + o.format);
    fs::path out = o.output_dir / rel;
    std::error_code ec;
    if (fs::exists(out, ec) && fs::equivalent(out, in.file, ec)) {
        // -o points at the input folder: never replace the input.
        out.replace_filename(rel.stem().string() + "-portrait" + rel.extension().string());
    }
    return out;
}

BatchSummary run_batch(const Runner& runner, const BatchOptions& o) {
    BatchSummary summary;
    auto& log = host_logger();
    for (const auto& in : collect_inputs(o.inputs)) {
        if (cancel_requested()) break;
        BatchItem item;
        item.input = in.file;
        item.output = output_path_for(in, o);
        auto t0 = std::chrono::steady_clock::now();
        try {
            cv::Mat img = read_image(in.file);
            cv::Mat result = runner.process(img, in.file.string(), item.report);
            if (!item.report.ok) throw ImageError(in.file.string() + ": " + item.report.error);
            fs::create_directories(item.output.parent_path());
            write_image_atomic(item.output, result, o.write);
            item.status = "ok";
            ++summary.ok;
            log.info("{} -> {}", in.file.string(), item.output.string());
        } catch (const std::exception& e) {
            item.status = "failed";
            item.error = e.what();
            ++summary.failed;
            log.error("{}", e.what());
        }
        item.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
        summary.items.push_back(std::move(item));
    }
    if (!o.report_json.empty()) write_json_report(o.report_json, summary, runner);
    return summary;
}

void write_json_report(const fs::path& file, const BatchSummary& summary, const Runner& runner) {
    nlohmann::json j;
    j["schema_version"] = 1;
    j["tool"] = std::string("portrait ") + PORTRAIT_VERSION_STRING;
    j["pipeline"] = runner.pipeline().config.file.string();
    j["totals"] = {{"ok", summary.ok}, {"failed", summary.failed}};
    j["items"] = nlohmann::json::array();
    for (const auto& it : summary.items) {
        nlohmann::json stages = nlohmann::json::object();
        for (const auto& s : it.report.stages) stages[s.id] = {{"ms", s.ms}, {"changed", s.changed}};
        nlohmann::json item = {{"input", it.input.string()},
                               {"output", it.status == "ok" ? it.output.string() : ""},
                               {"status", it.status},
                               {"error", it.error},
                               {"faces", it.report.stats.count("faces") ? it.report.stats.at("faces") : 0},
                               {"stages", stages},
                               {"ms", it.ms},
                               {"peak_rss_bytes", peak_rss_bytes()}};
        j["items"].push_back(item);
    }
    const fs::path tmp = file.string() + ".tmp";
    {
        std::ofstream out(tmp);
        out << j.dump(2) << "\n";
        if (!out) throw std::runtime_error("cannot write report " + file.string());
    }
    fs::rename(tmp, file);
}

}  // namespace portrait
