// The JSON batch report: the resolved pipeline, the run's settings and, per image in
// input order, what happened. Everything but the "ms", "memory" and "run" fields is
// the same for the same inputs, pipeline and version.
#include <nlohmann/json.hpp>

#include "portrait/runtime/batch.hpp"
#include "portrait/runtime/pipeline.hpp"
#include "portrait/runtime/text_escape.hpp"
#include "portrait/version.hpp"

namespace portrait {
namespace fs = std::filesystem;

namespace {

nlohmann::json param_json(const ParamValue& v) {
    return std::visit([](const auto& x) { return nlohmann::json(x); }, v);
}

nlohmann::json item_json(const BatchItem& it) {
    nlohmann::json stages = nlohmann::json::array();
    for (const auto& s : it.report.stages) {
        nlohmann::json st = {{"id", s.id}, {"changed", s.changed}, {"ms", s.ms}};
        st["faces"] = s.faces >= 0 ? nlohmann::json(s.faces) : nlohmann::json(nullptr);
        stages.push_back(st);
    }
    nlohmann::json stats = nlohmann::json::object();
    for (const auto& [k, v] : it.report.stats) stats[k] = v;
    nlohmann::json j = {
        {"input", it.input.string()},
        {"output", it.status == ItemStatus::Ok || it.status == ItemStatus::Skipped ? it.output.string() : ""},
        {"status", to_string(it.status)},
        {"error", it.error},
        {"faces", it.faces ? nlohmann::json(*it.faces) : nlohmann::json(nullptr)},
        {"stages", stages},
        {"stats", stats},
        {"warnings", it.warnings},
        {"input_sha256", it.input_sha256},
        {"orientation", it.orientation},
        {"ms",
         {{"read", it.read_ms},
          {"decode", it.decode_ms},
          {"process", it.process_ms},
          {"encode", it.encode_ms},
          {"write", it.write_ms},
          {"total", it.ms}}},
        {"memory", {{"estimate_bytes", it.estimate_bytes}, {"peak_rss_bytes", it.peak_rss_bytes}}},
    };
    if (!it.report.size.empty()) j["size"] = {it.report.size.width, it.report.size.height};
    if (!it.report.working_size.empty())
        j["working_size"] = {it.report.working_size.width, it.report.working_size.height};
    if (!it.report.failed_stage.empty()) j["failed_stage"] = it.report.failed_stage;
    nlohmann::json boxes = nlohmann::json::array();
    for (const auto& b : it.report.face_boxes) boxes.push_back({b.x, b.y, b.width, b.height});
    j["face_boxes"] = boxes;  // [x, y, width, height] in output pixels
    j["quality"] = {{"input_jpeg_estimate", it.input_jpeg_quality > 0 ? nlohmann::json(it.input_jpeg_quality)
                                                                        : nlohmann::json(nullptr)},
                    {"output", it.output_quality > 0 ? nlohmann::json(it.output_quality) : nlohmann::json(nullptr)}};
    if (!it.renamed_from.empty()) {
        j["renamed_from"] = it.renamed_from.string();
        j["rename_reason"] = it.rename_reason;
    }
    return j;
}

}  // namespace

void write_json_report(const fs::path& file, const BatchSummary& s, const Runner& runner) {
    const ResolvedPipeline& p = runner.pipeline();
    nlohmann::json j;
    j["schema_version"] = 2;
    j["tool"] = std::string("portrait ") + PORTRAIT_VERSION_STRING;
    nlohmann::json stages = nlohmann::json::array();
    for (const auto& st : p.stages) {
        nlohmann::json params = nlohmann::json::object();
        for (const auto& [k, v] : st.params.values()) params[k] = param_json(v);
        stages.push_back({{"id", st.id},
                          {"stage", st.entry->spec.name},
                          {"plugin", st.entry->plugin->name},
                          {"plugin_version", st.entry->plugin->version},
                          {"params", params}});
    }
    j["pipeline"] = {{"file", p.config.file.string()},
                     {"name", p.config.name},
                     {"fingerprint", s.pipeline_fingerprint},
                     {"max_size", p.config.resources.max_size},
                     {"memory_limit", p.config.resources.memory_limit},
                     {"device", runner.device()},
                     {"stages", stages}};
    j["totals"] = {{"images", s.items.size()},
                   {"ok", s.ok},
                   {"failed", s.failed},
                   {"skipped", s.skipped},
                   {"cancelled", s.cancelled},
                   {"renamed", s.renamed},
                   {"warnings", {{"no_face", s.no_face_warnings}, {"other", s.other_warnings}}}};
    j["overrides"] = s.overrides;
    j["quality"] = s.quality;
    j["shard"] = {{"index", s.shard_index}, {"count", s.shard_count}};
    j["interrupted"] = s.interrupted;
    j["listing_warnings"] = s.listing_warnings;
    j["run"] = {{"workers", s.workers},
                {"threads", s.threads},
                {"threads_per_image", s.threads_per_image},
                {"memory_budget_bytes", s.memory_budget},
                {"wall_s", s.wall_s},
                {"images_per_s", s.wall_s > 0 ? (s.ok + s.failed) / s.wall_s : 0.0},
                {"peak_rss_bytes", s.peak_rss_bytes}};
    j["items"] = nlohmann::json::array();
    for (const auto& it : s.items) j["items"].push_back(item_json(it));
    // File names and the pipeline's own strings are bytes, not always UTF-8: one bad
    // name must not stop the report (the JSON writer throws on invalid UTF-8).
    escape_json_strings(j);
    const std::string text = j.dump(2) + "\n";
    if (!file.parent_path().empty()) {
        std::error_code ec;
        fs::create_directories(file.parent_path(), ec);
    }
    write_file_atomic(file, std::vector<unsigned char>(text.begin(), text.end()));
}

}  // namespace portrait
