// portrait run: process images with a pipeline, unattended and resumable.
#include <algorithm>
#include <csignal>
#include <iostream>

#include <spdlog/spdlog.h>

#include "cli_common.hpp"
#include "portrait/runtime/batch.hpp"
#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/logging.hpp"
#include "portrait/runtime/resources.hpp"
#include "portrait/runtime/temp_dir.hpp"

namespace po = boost::program_options;

namespace portrait::cli {

namespace {

const char* kRunUsage =
    "portrait run [options] INPUT... -o OUTPUT_DIR\n\n"
    "INPUT is an image, a folder (recursive) or a glob pattern ('photos/*.jpg'); --from-list FILE\n"
    "adds one input a line ('-' reads stdin). Outputs mirror the input tree under OUTPUT_DIR with\n"
    "the input's format unless --format says otherwise; an input is never replaced.\n\n"
    "Exit status: 0 all images written (or up to date); 1 some images failed (the others were\n"
    "written; see --report) or the report could not be written; 2 usage or configuration error,\n"
    "found before any image was read; 130 stopped by Ctrl-C, 143 stopped by SIGTERM (images in\n"
    "flight finished or dropped, report written; a second signal exits at once)";

ProgressMode parse_progress(const std::string& s) {
    if (s == "auto") return ProgressMode::Auto;
    if (s == "always") return ProgressMode::Always;
    if (s == "never") return ProgressMode::Never;
    throw UsageError("--progress must be auto, always or never");
}

int quality_option(const std::string& text) {
    std::size_t used = 0;
    int q = 0;
    try {
        q = std::stoi(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size() || q < 1 || q > 100)
        throw UsageError("--quality must be auto or 1..100 (got '" + text + "')");
    return q;
}

// What the user changed of the pipeline, as typed, for the reports' headers.
std::vector<std::string> overrides_as_typed(const po::variables_map& vm) {
    std::vector<std::string> out;
    for (const char* name : {"enable", "disable", "set"})
        if (vm.count(name))
            for (const auto& v : vm[name].as<std::vector<std::string>>()) out.push_back(std::string("--") + name + " " + v);
    for (const char* name : {"max-size", "memory-limit", "threads", "device", "device-memory-limit"})
        if (vm.count(name)) out.push_back(std::string("--") + name + " " + vm[name].as<std::string>());
    return out;
}

}  // namespace

int cmd_run(const std::vector<std::string>& args) {
    po::options_description desc("run options");
    desc.add_options()
        ("input", po::value<std::vector<std::string>>()->composing()->value_name("INPUT"), "image files, folders (recursive) or glob patterns")
        ("from-list", po::value<std::vector<std::string>>()->composing()->value_name("FILE"), "read inputs from FILE, one a line ('-' = stdin; repeatable)")
        ("output,o", po::value<std::string>()->value_name("DIR"), "output folder (mirrors the input tree; inputs are never overwritten)")
        ("report", po::value<std::vector<std::string>>()->composing()->value_name("FILE"), "write a report: FILE.json (per image) or FILE.html (before/after thumbnails and face crops); repeatable")
        ("report-single-file", "the HTML report embeds its pictures (data: URIs), one file to mail; no thumbnails folder")
        ("format", po::value<std::string>()->value_name("FORMAT"), "output format by extension: jpg, png, webp, tif, bmp (default: as input)")
        ("quality", po::value<std::string>()->default_value("auto")->value_name("Q"), "JPEG/WebP quality 1..100, or auto: a JPEG input's own (estimated from its quantisation tables), 95 otherwise")
        ("resume", "skip images whose output was made from the same input bytes with the same pipeline and settings")
        ("shard", po::value<std::string>()->value_name("I/N"), "I/N: process only this deterministic share of the inputs (0 <= I < N)")
        ("workers", po::value<int>()->value_name("N"), "images in flight (default: min(threads, 4)); each gets max(1, threads / workers) threads")
        ("progress", po::value<std::string>()->default_value("auto")->value_name("WHEN"), "auto (bar on a terminal, plain lines otherwise), always, never")
        ("progress-interval", po::value<double>()->default_value(10.0)->value_name("SECONDS"), "seconds between plain progress lines (0 = a line per image)");
    add_resource_options(desc);
    add_pipeline_options(desc);
    po::positional_options_description pos;
    pos.add("input", -1);
    po::variables_map vm;
    if (parse(args, desc, &pos, vm, kRunUsage)) return kOk;
    if (!vm.count("input") && !vm.count("from-list")) throw SyntaxError("no input images given");
    if (!vm.count("output")) throw SyntaxError("no output folder given (-o DIR)");

    PipelineConfig cfg = load_pipeline_from(vm);
    apply_resource_options(vm, cfg);
    if (!globals().log_level_given)
        init_logging({cfg.resources.log_level, globals().log_file, true});

    BatchOptions options;
    if (vm.count("input")) options.inputs = vm["input"].as<std::vector<std::string>>();
    // Read now, once (stdin cannot be read twice), so a missing file in a list stops the run here.
    if (vm.count("from-list")) options.listed = read_input_lists(vm["from-list"].as<std::vector<std::string>>());
    options.output_dir = vm["output"].as<std::string>();
    if (vm.count("format")) {
        options.format = vm["format"].as<std::string>();
        if (!options.format.empty() && options.format[0] == '.') options.format.erase(0, 1);
        static const std::vector<std::string> known{"jpg", "jpeg", "png", "webp", "tif", "tiff", "bmp"};
        if (std::find(known.begin(), known.end(), options.format) == known.end())
            throw UsageError("--format must be one of jpg, png, webp, tif, bmp");
    }
    if (vm.count("report")) {
        for (const auto& r : vm["report"].as<std::vector<std::string>>()) {
            const std::filesystem::path p(r);
            if (p.extension() == ".json") options.report_json = p;
            else if (p.extension() == ".html" || p.extension() == ".htm") options.report_html = p;
            else throw UsageError("--report " + r + ": the name must end in .json or .html");
        }
    }
    options.report_single_file = vm.count("report-single-file") != 0;
    if (options.report_single_file && options.report_html.empty())
        throw UsageError("--report-single-file needs an HTML --report FILE.html");
    options.write.jpeg_quality_auto = vm["quality"].as<std::string>() == "auto";
    if (!options.write.jpeg_quality_auto) {
        const int q = quality_option(vm["quality"].as<std::string>());
        options.write.jpeg_quality = options.write.webp_quality = q;
    }
    options.overrides = overrides_as_typed(vm);
    options.resume = vm.count("resume") != 0;
    if (vm.count("shard")) parse_shard(vm["shard"].as<std::string>(), options.shard_index, options.shard_count);
    options.workers = workers_option(vm);
    options.progress = parse_progress(vm["progress"].as<std::string>());
    if (globals().quiet && vm["progress"].defaulted()) options.progress = ProgressMode::Never;  // -q: errors only
    options.progress_interval_s = vm["progress-interval"].as<double>();
    // NaN fails both comparisons, so it is refused too. 0 = a line per image.
    if (!(options.progress_interval_s >= 0 && options.progress_interval_s <= 86400))
        throw UsageError("--progress-interval must be a number of seconds, 0 .. 86400");

    // Fail fast on a missing input or a bad list, before any plugin or model loads; the
    // batch runs on this list.
    BatchInputs inputs = list_batch_inputs(options);

    PluginRegistry registry;
    load_plugins(registry, cfg, vm);
    ResolvedPipeline resolved = validate_pipeline(cfg, registry);
    prepare_output_dir(options.output_dir);

    options.threads = resolve_thread_count(cfg.resources.threads);
    apply_thread_count(options.threads);
    keep_freed_memory_for_reuse();
    // A file size limit (ulimit -f) must fail the one write, not kill the batch.
    std::signal(SIGXFSZ, SIG_IGN);
    StopCleanlyOnSigterm graceful;  // SIGTERM, like Ctrl-C, lets the batch write its report
    RunTempDir temp;
    std::unique_ptr<Runner> runner;
    try {
        runner = std::make_unique<Runner>(resolved, RunEnvironment{temp.path(), options.threads});
    } catch (const std::exception& e) {
        // A stage that cannot start (a model that failed to load) stops the run before any
        // image: it is never reported per image as "no face".
        std::cerr << "portrait run: " << e.what() << "\n";
        return kUsage;
    }
    BatchSummary summary = run_batch(*runner, options, std::move(inputs));
    const std::string renamed =
        summary.renamed ? ", " + std::to_string(summary.renamed) + " renamed to avoid a name collision" : "";
    host_logger().info("{} image(s) written, {} failed, {} skipped (up to date), {} with no face found{}{}", summary.ok,
                       summary.failed, summary.skipped, summary.no_face_warnings, renamed,
                       summary.interrupted ? "; interrupted" : "");
    for (const auto& e : summary.report_errors) std::cerr << "portrait run: " << e << "\n";
    if (summary.interrupted) return 128 + (cancel_signal() ? cancel_signal() : SIGINT);
    return summary.failed > 0 || !summary.report_errors.empty() ? kSomeFailed : kOk;
}

}  // namespace portrait::cli
