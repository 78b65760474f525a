// portrait run: process images with a pipeline.
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

int cmd_run(const std::vector<std::string>& args) {
    po::options_description desc("run options");
    desc.add_options()
        ("input", po::value<std::vector<std::string>>()->composing(), "image files or folders (recursive)")
        ("output,o", po::value<std::string>(), "output folder (mirrors the input tree; inputs are never overwritten)")
        ("report", po::value<std::string>(), "write a JSON report of every image")
        ("format", po::value<std::string>(), "output format by extension: jpg, png, webp, tif (default: as input)")
        ("quality", po::value<int>()->default_value(95), "JPEG/WebP quality 1..100")
        ("threads", po::value<int>(), "threads in all (default: resources.threads, 0 = all cores)")
        ("max-size", po::value<int>(), "longest side stages work on (default: resources.max_size, 1920)")
        ("memory-limit", po::value<std::string>(), "memory budget, e.g. 2GiB (default: resources.memory_limit)");
    add_pipeline_options(desc);
    po::positional_options_description pos;
    pos.add("input", -1);
    po::variables_map vm;
    if (parse(args, desc, &pos, vm, "portrait run [options] INPUT... -o OUTPUT_DIR")) return kOk;
    if (!vm.count("input")) throw UsageError("no input images given");
    if (!vm.count("output")) throw UsageError("no output folder given (-o DIR)");

    PipelineConfig cfg = load_pipeline_from(vm);
    if (vm.count("threads")) cfg.resources.threads = vm["threads"].as<int>();
    if (vm.count("max-size")) cfg.resources.max_size = vm["max-size"].as<int>();
    if (vm.count("memory-limit")) {
        try {
            cfg.resources.memory_limit = parse_byte_size(vm["memory-limit"].as<std::string>());
        } catch (const std::exception& e) {
            throw UsageError(std::string("--memory-limit: ") + e.what());
        }
    }
    if (!globals().log_level_given)
        init_logging({cfg.resources.log_level, globals().log_file, true});

    PluginRegistry registry;
    load_plugins(registry, cfg.plugin_paths);
    ResolvedPipeline resolved = validate_pipeline(cfg, registry);

    BatchOptions options;
    options.inputs = vm["input"].as<std::vector<std::string>>();
    options.output_dir = vm["output"].as<std::string>();
    if (vm.count("format")) options.format = vm["format"].as<std::string>();
    if (vm.count("report")) options.report_json = vm["report"].as<std::string>();
    int q = vm["quality"].as<int>();
    if (q < 1 || q > 100) throw UsageError("--quality must be 1..100");
    options.write.jpeg_quality = options.write.webp_quality = q;
    collect_inputs(options.inputs);  // fail fast on a missing input, before any model loads

    const int threads = resolve_thread_count(cfg.resources.threads);
    apply_thread_count(threads);
    RunTempDir temp;
    std::unique_ptr<Runner> runner;
    try {
        runner = std::make_unique<Runner>(resolved, RunEnvironment{temp.path(), threads});
    } catch (const std::exception& e) {
        std::cerr << "portrait run: " << e.what() << "\n";
        return kUsage;
    }
    std::error_code ec;
    std::filesystem::create_directories(options.output_dir, ec);
    BatchSummary summary = run_batch(*runner, options);
    host_logger().info("{} image(s) written, {} failed", summary.ok, summary.failed);
    return summary.failed > 0 ? kSomeFailed : kOk;
}

}  // namespace portrait::cli
