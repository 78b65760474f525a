// Threads and memory: the host sets LibTorch's and OpenCV's thread counts
// explicitly (Debian's LibTorch otherwise runs one thread) and reads memory use.
#pragma once

#include <cstddef>

namespace portrait {

// 0 -> all cores. Returns the count applied.
int resolve_thread_count(int requested);
// Sets LibTorch intra-op threads and OpenCV's pool to `threads`.
void apply_thread_count(int threads);
// Peak resident set size of this process so far, in bytes (VmHWM).
std::size_t peak_rss_bytes();
// Current resident set size, in bytes (VmRSS).
std::size_t current_rss_bytes();

}  // namespace portrait
