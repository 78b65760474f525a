#include "torch_bridge.hpp"

#include <dlfcn.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <string>

#include "portrait/runtime/logging.hpp"

namespace portrait::detail {
namespace {

std::mutex g_mutex;
std::atomic<const TorchBridge*> g_bridge{nullptr};
bool g_tried = false;
int g_threads = 0;  // 0: not set, LibTorch keeps its default

// libportrait's own folder: the bridge is built and installed beside it.
std::filesystem::path own_dir() {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&attach_torch), &info) == 0 || !info.dli_fname) return {};
    return std::filesystem::path(info.dli_fname).parent_path();
}

}  // namespace

const TorchBridge* attach_torch() {
    std::lock_guard<std::mutex> lock(g_mutex);
    if (const TorchBridge* b = g_bridge.load()) return b;
    if (g_tried) return nullptr;
    g_tried = true;
    const std::filesystem::path beside = own_dir() / PORTRAIT_TORCH_BRIDGE_FILE;
    // Never unloaded, like the plugins: LibTorch crashes when it is.
    void* h = dlopen(beside.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) h = dlopen(PORTRAIT_TORCH_BRIDGE_FILE, RTLD_NOW | RTLD_LOCAL);
    using Entry = const TorchBridge* (*)() noexcept;
    auto entry = h ? reinterpret_cast<Entry>(dlsym(h, PORTRAIT_TORCH_BRIDGE_ENTRY)) : nullptr;
    if (!entry) {
        const char* why = dlerror();
        host_logger().warn("cannot open {} ({}): LibTorch's threads are not set and no GPU is seen",
                           beside.string(), why ? why : "no entry point");
        return nullptr;
    }
    const TorchBridge* b = entry();
    if (g_threads > 0) b->set_threads(g_threads);
    g_bridge.store(b);
    host_logger().debug("LibTorch {} loaded, intra-op threads: {}", b->version, b->threads());
    return b;
}

const TorchBridge* attached_torch() { return g_bridge.load(); }

void set_torch_threads(int threads) {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_threads = threads;
    if (const TorchBridge* b = g_bridge.load()) {
        b->set_threads(threads);
        host_logger().debug("LibTorch intra-op threads: {}", b->threads());
    }
}

}  // namespace portrait::detail
