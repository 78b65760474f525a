// Merging the JSON reports of a sharded batch (docs/scale-out.md). Shards of one batch
// ran the same pipeline over disjoint shares of the same listing, so their reports
// must agree on the pipeline and the shard count and must not share an image; anything
// else is a mistake the user should hear about, not a report to paper over.
#include "portrait/runtime/report_merge.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/text_escape.hpp"

namespace portrait {
namespace fs = std::filesystem;

namespace {

nlohmann::json read_report(const fs::path& file) {
    const std::string name = escape_text(file.string());
    std::ifstream in(file, std::ios::binary);
    if (!in) throw UsageError(name + ": cannot read the report");
    nlohmann::json j;
    try {
        in >> j;
    } catch (const nlohmann::json::exception& e) {
        throw UsageError(name + ": not a JSON report (" + e.what() + ")");
    }
    if (!j.is_object() || !j.contains("items") || !j["items"].is_array() || !j.contains("pipeline") ||
        !j["pipeline"].is_object())
        throw UsageError(name + ": not a portrait batch report (no pipeline or items)");
    if (j.value("schema_version", 0) != 2)
        throw UsageError(name + ": report schema " + std::to_string(j.value("schema_version", 0)) +
                         " is not the one this portrait writes (2); merge reports of one version");
    return j;
}

int shard_field(const nlohmann::json& j, const char* key, int fallback) {
    const auto it = j.find("shard");
    if (it == j.end() || !it->is_object()) return fallback;
    const auto v = it->find(key);
    return v != it->end() && v->is_number_integer() ? v->get<int>() : fallback;
}

}  // namespace

nlohmann::json merge_shard_reports(const std::vector<fs::path>& files, std::vector<std::string>* warnings) {
    if (files.empty()) throw UsageError("no report to merge");
    nlohmann::json merged;
    nlohmann::json items = nlohmann::json::array();
    nlohmann::json shards = nlohmann::json::array();
    std::map<std::string, std::string> image_owner;  // input -> report that lists it
    std::map<int, std::string> shard_owner;           // shard index -> report
    int shard_count = 0;
    std::string fingerprint, first;
    int no_face = 0, other = 0;
    double wall_s = 0;
    bool interrupted = false;

    for (const auto& file : files) {
        const nlohmann::json j = read_report(file);
        const std::string name = escape_text(file.string());
        const std::string fp = j["pipeline"].value("fingerprint", "");
        const int index = shard_field(j, "index", 0), count = shard_field(j, "count", 1);
        if (first.empty()) {
            first = name;
            fingerprint = fp;
            shard_count = count;
            merged["schema_version"] = j["schema_version"];
            merged["tool"] = j.value("tool", "");
            merged["pipeline"] = j["pipeline"];
        } else if (fp != fingerprint) {
            throw UsageError(name + ": ran another pipeline or other settings than " + first +
                             " (fingerprints differ); these are not shards of one batch");
        } else if (count != shard_count) {
            throw UsageError(name + ": shard " + std::to_string(index) + "/" + std::to_string(count) + ", but " +
                             first + " was one of " + std::to_string(shard_count) + " shards");
        }
        if (const auto [it, fresh] = shard_owner.emplace(index, name); !fresh)
            throw UsageError(name + ": shard " + std::to_string(index) + "/" + std::to_string(count) +
                             " is also " + it->second);

        std::map<std::string, int> totals{{"ok", 0}, {"failed", 0}, {"skipped", 0}, {"cancelled", 0}};
        for (const auto& item : j["items"]) {
            const std::string input = item.value("input", "");
            if (const auto [it, fresh] = image_owner.emplace(input, name); !fresh)
                throw UsageError(name + ": " + input + " is also in " + it->second +
                                 "; shards of one batch never share an image");
            ++totals[item.value("status", "failed")];
            nlohmann::json copy = item;
            copy["shard"] = index;
            items.push_back(std::move(copy));
        }
        const nlohmann::json t = j.value("totals", nlohmann::json::object());
        const nlohmann::json w = t.value("warnings", nlohmann::json::object());
        no_face += w.value("no_face", 0);
        other += w.value("other", 0);
        const nlohmann::json run = j.value("run", nlohmann::json::object());
        wall_s = std::max(wall_s, run.value("wall_s", 0.0));
        interrupted |= j.value("interrupted", false);
        shards.push_back({{"file", file.string()},
                          {"index", index},
                          {"count", count},
                          {"images", j["items"].size()},
                          {"ok", totals["ok"]},
                          {"failed", totals["failed"]},
                          {"skipped", totals["skipped"]},
                          {"cancelled", totals["cancelled"]},
                          {"interrupted", j.value("interrupted", false)},
                          {"wall_s", run.value("wall_s", 0.0)}});
    }

    std::stable_sort(items.begin(), items.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
        return a.value("input", "") < b.value("input", "");
    });
    std::sort(shards.begin(), shards.end(),
              [](const nlohmann::json& a, const nlohmann::json& b) { return a["index"] < b["index"]; });
    std::vector<int> missing;
    for (int i = 0; i < shard_count; ++i)
        if (!shard_owner.count(i)) missing.push_back(i);
    if (!missing.empty() && warnings) {
        std::string list;
        for (int i : missing) list += (list.empty() ? "" : ", ") + std::to_string(i);
        warnings->push_back("shard(s) " + list + " of " + std::to_string(shard_count) +
                            " missing: the merged report does not cover the whole batch");
    }

    std::map<std::string, int> totals{{"ok", 0}, {"failed", 0}, {"skipped", 0}, {"cancelled", 0}};
    for (const auto& item : items) ++totals[item.value("status", "failed")];
    merged["totals"] = {{"images", items.size()},
                        {"ok", totals["ok"]},
                        {"failed", totals["failed"]},
                        {"skipped", totals["skipped"]},
                        {"cancelled", totals["cancelled"]},
                        {"warnings", {{"no_face", no_face}, {"other", other}}}};
    merged["shard"] = {{"count", shard_count}, {"merged", shards.size()}};
    merged["shards"] = shards;
    merged["shards_missing"] = missing;
    merged["interrupted"] = interrupted;
    // The shards ran side by side: the batch took as long as its slowest shard.
    merged["run"] = {{"wall_s", wall_s}};
    merged["items"] = std::move(items);
    return merged;
}

}  // namespace portrait
