// Services the host hands to stages. The host owns logging, temp files, threads,
// the memory budget and model lookup; plugins never configure global libraries.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "portrait/version.hpp"

namespace spdlog {
class logger;
}

namespace portrait {
inline namespace PORTRAIT_SDK_NAMESPACE {

// The host's services to a stage. They may throw (find_model does, on purpose): a host
// exception unwinds only through the plugin's own frames, which were built with the same
// toolchain (the descriptor's fingerprint), and stops at the plugin's C shim (plugin.hpp),
// which turns it into that image's error with the stage named. It never reaches the host
// through the C boundary, so a stage may let it propagate or catch it to fall back.
class Context {
public:
    virtual ~Context() = default;
    // The stage's own named logger ("stage.<id>"); console and log file are the host's.
    virtual spdlog::logger& log() const = 0;
    // Per-run temp folder, removed by the host at exit (also on SIGINT/SIGTERM).
    virtual const std::filesystem::path& temp_dir() const = 0;
    // Threads this stage may use for its own work (LibTorch/OpenCV are already set). In a
    // batch with several images in flight this is one image's share of resources.threads.
    virtual int threads() const = 0;
    // Memory budget in bytes for the whole run (0 = unlimited).
    virtual std::size_t memory_limit() const = 0;
    // Locate a model file in the configured model folders and check its sha256 sidecar.
    // Throws std::runtime_error naming every folder searched and how to get the model.
    virtual std::filesystem::path find_model(const std::string& model, const std::string& file) const = 0;
    // True once this run was cancelled (Ctrl-C, a front end's cancel): long stages should
    // return early. Ask the Context of the process() call: two images may differ.
    virtual bool cancelled() const = 0;
    // Where this stage's LibTorch networks run: "cpu" or "cuda:N", resolved by the host from
    // resources.device (never "auto"). Load modules with torch_support::load_module(file,
    // ctx.device()) and keep tensors there between networks. Since ABI 3; the defaults keep
    // hand-made contexts (tests, other hosts) on the CPU.
    virtual std::string device() const { return "cpu"; }
    // Budget in bytes for this stage's allocations on device() when that is a GPU (0 = none
    // set): estimates of device memory are checked against it, as memory_limit() on the CPU.
    virtual std::size_t device_memory_limit() const { return 0; }
};

}  // namespace PORTRAIT_SDK_NAMESPACE
}  // namespace portrait
