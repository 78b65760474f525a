// One CUDA stream per worker thread, so images in flight on several threads do not queue
// behind each other on the default stream. Uses c10's device-generic stream API, which
// compiles and links against a CPU-only LibTorch (c10/cuda headers need the CUDA toolkit
// and libc10_cuda); on the CPU there is no stream and the guard does nothing.
#pragma once

#include <map>

#include <c10/core/StreamGuard.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>
#include <torch/types.h>

namespace portrait::gpen {

inline c10::optional<c10::Stream> worker_stream(const torch::Device& device) {
    if (!device.is_cuda()) return c10::nullopt;
    thread_local std::map<int, c10::Stream> mine;  // by device index
    auto it = mine.find(device.index());
    if (it == mine.end())
        it = mine.emplace(device.index(),
                          c10::impl::getDeviceGuardImpl(device.type())->getStreamFromGlobalPool(device))
                 .first;
    return it->second;
}

}  // namespace portrait::gpen
