// One report for a batch that ran as shards (`--shard I/N` on many machines): the
// shards' JSON reports merged into one, with per-shard totals. `portrait report merge`.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace portrait {

// Reads every shard report and merges them: the items of all shards (sorted by input
// path), totals recounted from them, and a "shards" list with each file's own totals.
// Throws UsageError naming the file for an unreadable or foreign report, reports of
// different pipelines (fingerprints differ) or of different shard counts, a shard given
// twice, or an image listed by two shards. Shards missing from a complete set are listed
// in "shards_missing" and in `warnings`.
nlohmann::json merge_shard_reports(const std::vector<std::filesystem::path>& files,
                                   std::vector<std::string>* warnings = nullptr);

// The HTML page of a merged report (the batch report's page, with a per-shard table).
// Pictures are those the shards' own HTML reports left beside them, where they exist.
void write_merged_html_report(const std::filesystem::path& file, const nlohmann::json& merged);

}  // namespace portrait
