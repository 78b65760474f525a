// Threads and memory: the host sets LibTorch's and OpenCV's thread counts
// explicitly (Debian's LibTorch otherwise runs one thread) and reads memory use.
#pragma once

#include <cstddef>

namespace portrait {

// 0 -> all cores. Returns the count applied.
int resolve_thread_count(int requested);
// Sets LibTorch intra-op threads and OpenCV's pool to `threads`.
void apply_thread_count(int threads);
// Keeps freed memory in the process for the next allocation instead of handing it back to
// the kernel (glibc: allocations up to 32 MiB come from the heap, which is never trimmed).
// Neural stages allocate and free the same tens of megabytes per layer and per call; with
// glibc's defaults each call pays the page faults again. Measured on the ABPN stage: 1.39 s
// -> 1.13-1.18 s per 900-px face (docs/performance.md). Peak RSS moves little: the kept
// memory is what the next image reuses. Call at start-up; no-op on other C libraries.
void keep_freed_memory_for_reuse();
// Peak resident set size of this process so far, in bytes (VmHWM).
std::size_t peak_rss_bytes();
// Current resident set size, in bytes (VmRSS).
std::size_t current_rss_bytes();

}  // namespace portrait
