#include "portrait/runtime/resources.hpp"

#include <opencv2/core.hpp>

#include <fstream>
#include <limits>
#include <string>
#include <thread>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "torch_bridge.hpp"

namespace portrait {

int resolve_thread_count(int requested) {
    if (requested > 0) return requested;
    unsigned n = std::thread::hardware_concurrency();
    return n ? int(n) : 1;
}

void apply_thread_count(int threads) {
    detail::set_torch_threads(threads);  // now, or when LibTorch is first loaded
    cv::setNumThreads(threads);
}

void keep_freed_memory_for_reuse() {
#if defined(__GLIBC__)
    // 32 MiB is the largest mmap threshold glibc accepts on 64-bit systems; setting it also
    // stops glibc from moving the threshold itself. The heap is trimmed only once 2 GiB
    // (the largest value mallopt takes) lie free at its top.
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
#endif
}

namespace {
std::size_t status_kib(const char* key) {
    std::ifstream in("/proc/self/status");
    std::string line;
    const std::string k = key;
    while (std::getline(in, line))
        if (line.compare(0, k.size(), k) == 0) return std::stoull(line.substr(k.size() + 1)) * 1024;
    return 0;
}
}  // namespace

std::size_t peak_rss_bytes() { return status_kib("VmHWM"); }
std::size_t current_rss_bytes() { return status_kib("VmRSS"); }

}  // namespace portrait
