// Threads and memory: the host sets LibTorch's and OpenCV's thread counts
// explicitly (Debian's LibTorch otherwise runs one thread) and reads memory use.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace portrait {

// 0 -> all cores. Returns the count applied.
int resolve_thread_count(int requested);
// Sets OpenCV's pool and LibTorch's intra-op threads to `threads`: LibTorch's now if a
// LibTorch plugin is loaded, else when the first one loads (torch_bridge.hpp).
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

// The memory budget of a run that sets none (no resources.memory_limit in the pipeline, no
// --memory-limit): half of what the machine has, or of its cgroup's limit when that is lower,
// so that an image too large for the machine is refused before decoding instead of making an
// unattended run swap. Stable for a machine (not what happens to be free), since the budget
// is part of the settings --resume compares. Read once; 0 (no limit) when nothing is known.
std::size_t default_memory_limit();
// Physical memory (sysconf), lowered to this process's cgroup limit; 0 when unknown.
std::size_t machine_memory_bytes();
// The lowest memory limit of the cgroup that `self_cgroup` (the text of /proc/self/cgroup)
// names and of its ancestors, under `root` (/sys/fs/cgroup): cgroup v2 memory.max, v1
// memory/memory.limit_in_bytes. 0 when none is set.
std::size_t cgroup_memory_limit(const std::filesystem::path& root, const std::string& self_cgroup);

}  // namespace portrait
