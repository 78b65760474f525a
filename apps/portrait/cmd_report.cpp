// portrait report merge SHARD.json... -o ALL.json|ALL.html: one report for a batch that
// ran as shards (docs/scale-out.md). The output's extension picks the form.
#include <iostream>

#include "cli_common.hpp"
#include "portrait/runtime/batch.hpp"
#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/image_io.hpp"
#include "portrait/runtime/logging.hpp"
#include "portrait/runtime/report_merge.hpp"
#include "portrait/runtime/text_escape.hpp"

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace portrait::cli {

namespace {

int report_merge(const std::vector<std::string>& args) {
    po::options_description desc("report merge options");
    desc.add_options()("report", po::value<std::vector<std::string>>()->value_name("SHARD.json"),
                       "the shards' reports (--report of each 'portrait run --shard I/N')")(
        "output,o", po::value<std::string>()->value_name("FILE"),
        "merged report to write: .json, or .html for the page (with the shards' thumbnails where they are)");
    po::positional_options_description pos;
    pos.add("report", -1);
    po::variables_map vm;
    if (parse(args, desc, &pos, vm, "portrait report merge SHARD.json... -o ALL.json|ALL.html")) return kOk;
    if (!vm.count("report")) throw SyntaxError("which reports? give each shard's --report file");
    if (!vm.count("output")) throw SyntaxError("where to? -o ALL.json or -o ALL.html");
    std::vector<fs::path> files;
    for (const auto& f : vm["report"].as<std::vector<std::string>>()) files.emplace_back(f);
    const fs::path out = vm["output"].as<std::string>();
    const std::string ext = out.extension().string();
    if (ext != ".json" && ext != ".html" && ext != ".htm")
        throw SyntaxError("-o " + escape_text(out.string()) + ": the name must end in .json or .html");
    for (const auto& f : files) {
        std::error_code ec;
        if (fs::equivalent(f, out, ec))
            throw SyntaxError("-o " + escape_text(out.string()) + " is one of the reports to merge");
    }

    std::vector<std::string> warnings;
    const nlohmann::json merged = merge_shard_reports(files, &warnings);
    for (const auto& w : warnings) host_logger().warn("{}", w);
    if (ext == ".json") {
        nlohmann::json copy = merged;
        escape_json_strings(copy);
        const std::string text = copy.dump(2) + "\n";
        write_file_atomic(out, std::vector<unsigned char>(text.begin(), text.end()));
    } else {
        write_merged_html_report(out, merged);
    }
    const auto& t = merged["totals"];
    host_logger().info("{}: {} image(s) from {} of {} shard(s): {} ok, {} failed, {} skipped", escape_text(out.string()),
                       t["images"].get<std::size_t>(), merged["shards"].size(), merged["shard"]["count"].get<int>(),
                       t["ok"].get<int>(), t["failed"].get<int>(), t["skipped"].get<int>());
    return kOk;
}

}  // namespace

int cmd_report(const std::vector<std::string>& args) {
    if (!args.empty() && args[0] == "merge") return report_merge({args.begin() + 1, args.end()});
    po::options_description desc("report options");
    desc.add_options()("command", po::value<std::string>()->value_name("merge"), "what to do with reports");
    po::positional_options_description pos;
    pos.add("command", 1);
    po::variables_map vm;
    if (parse(args, desc, &pos, vm,
              "portrait report merge SHARD.json... -o ALL.json|ALL.html\n\n"
              "Merges the reports of a sharded batch (docs/scale-out.md) into one report with per-shard totals."))
        return kOk;
    if (!vm.count("command")) throw SyntaxError("which report command? 'portrait report merge'");
    throw SyntaxError("unknown report command '" + escape_text(vm["command"].as<std::string>()) + "'; there is 'merge'");
}

}  // namespace portrait::cli
