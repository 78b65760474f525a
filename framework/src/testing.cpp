#include "portrait/testing.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <sstream>
#include <stdexcept>

#include <unistd.h>

#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/model_locator.hpp"
#include "portrait/runtime/pipeline.hpp"
#include "portrait/runtime/pipeline_config.hpp"
#include "portrait/runtime/plugin_registry.hpp"
#include "portrait/runtime/resources.hpp"

namespace portrait::testing {
namespace fs = std::filesystem;

namespace {

class TestContext final : public Context {
public:
    TestContext(const std::string& stage, const HarnessOptions& o, fs::path temp)
        : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(text_)),
          log_(std::make_shared<spdlog::logger>("stage." + stage, sink_)),
          temp_(std::move(temp)),
          options_(o),
          models_(o.model_dirs) {
        sink_->set_pattern("[%l] %v");
        log_->set_level(spdlog::level::debug);
    }
    spdlog::logger& log() const override { return *log_; }
    const fs::path& temp_dir() const override { return temp_; }
    int threads() const override { return options_.threads; }
    std::size_t memory_limit() const override { return options_.memory_limit; }
    fs::path find_model(const std::string& model, const std::string& file) const override {
        return models_.find(model, file);
    }
    bool cancelled() const override { return cancelled_.load(); }
    std::string device() const override { return options_.device; }

    void cancel() { cancelled_ = true; }
    // Read between process() calls: the sink writes under its own lock while a stage runs.
    std::string text() const {
        log_->flush();
        return text_.str();
    }
    void clear() {
        log_->flush();
        text_.str({});
    }

private:
    std::ostringstream text_;
    std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
    std::shared_ptr<spdlog::logger> log_;
    fs::path temp_;
    HarnessOptions options_;
    ModelLocator models_;
    std::atomic<bool> cancelled_{false};
};

fs::path make_temp_dir() {
    static std::atomic<int> n{0};
    fs::path dir = fs::temp_directory_path() /
                   ("portrait-harness-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::create_directories(dir);
    return dir;
}

// The parameters as a one-stage pipeline, so they are checked exactly as a pipeline's.
std::string pipeline_text(const std::string& stage, const std::string& params_yaml) {
    std::string text = "stages:\n  - stage: " + stage + "\n    params:\n";
    std::istringstream in(params_yaml.empty() ? "{}" : params_yaml);
    for (std::string line; std::getline(in, line);) text += "      " + line + "\n";
    return text;
}

}  // namespace

struct StageHarness::Impl {
    PluginRegistry registry;
    const StageEntry* stage = nullptr;
    Params params;
    std::unique_ptr<TestContext> ctx;
    void* handle = nullptr;
    const StageEntry* entry() const { return stage; }
};

StageHarness::StageHarness(const fs::path& plugin_file, const std::string& stage, const std::string& params_yaml,
                           HarnessOptions options)
    : impl_(std::make_unique<Impl>()) {
    if (!impl_->registry.load_file(plugin_file)) {
        const auto& r = impl_->registry.refusals();
        throw std::runtime_error("plugin " + plugin_file.string() + " refused: " +
                                 (r.empty() ? std::string("unknown reason") : r.back().reason));
    }
    impl_->stage = impl_->registry.find(stage);
    if (!impl_->stage) throw std::runtime_error("plugin " + plugin_file.string() + " has no stage '" + stage + "'");
    // The parameters only: what the stage needs is the test's to put in the frame.
    try {
        const PipelineConfig cfg = parse_pipeline(pipeline_text(stage, params_yaml), stage + " params");
        impl_->params = stage_params(cfg.stages.front(), *impl_->stage);
    } catch (const ConfigError& e) {
        throw std::runtime_error(e.what());
    }
    apply_thread_count(options.threads);
    impl_->ctx = std::make_unique<TestContext>(stage, options, make_temp_dir());
    char err[4096] = {0};
    impl_->handle = impl_->entry()->vtable.create(&impl_->params, impl_->ctx.get(), err, sizeof err);
    if (!impl_->handle) throw std::runtime_error("stage '" + stage + "' could not start: " + err);
}

StageHarness::~StageHarness() {
    if (impl_->handle) impl_->entry()->vtable.destroy(impl_->handle);
    std::error_code ec;
    if (impl_->ctx) fs::remove_all(impl_->ctx->temp_dir(), ec);
}

Frame StageHarness::process(const cv::Mat& image) {
    Frame frame;
    frame.image = image.clone();
    frame.original_size = image.size();
    process(frame);
    return frame;
}

void StageHarness::process(Frame& frame) {
    char err[4096] = {0};
    if (impl_->entry()->vtable.process(impl_->handle, &frame, impl_->ctx.get(), err, sizeof err) != 0)
        throw std::runtime_error("stage '" + spec().name + "' failed: " + err);
}

const StageSpec& StageHarness::spec() const { return impl_->entry()->spec; }
const Params& StageHarness::params() const { return impl_->params; }
Context& StageHarness::context() { return *impl_->ctx; }
std::size_t StageHarness::memory_estimate(int width, int height) const {
    return impl_->entry()->vtable.memory_estimate(impl_->handle, width, height);
}
std::string StageHarness::log() const { return impl_->ctx->text(); }
void StageHarness::clear_log() { impl_->ctx->clear(); }
void StageHarness::cancel() { impl_->ctx->cancel(); }

}  // namespace portrait::testing
