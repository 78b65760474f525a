// libportrait_torch_bridge.so: the only host code that calls LibTorch (torch_bridge.hpp).
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include "torch_bridge.hpp"

namespace {

void set_threads(int n) noexcept {
    try {
        at::set_num_threads(n);
    } catch (...) {  // LibTorch refuses some values; its default pool stays
    }
}
int threads() noexcept { return at::get_num_threads(); }
int cuda_built() noexcept { return at::hasCUDA() ? 1 : 0; }  // a CUDA LibTorch whose CUDA runtime loaded
int cuda_devices() noexcept {
    try {
        return at::hasCUDA() ? int(torch::cuda::device_count()) : 0;
    } catch (...) {
        return 0;
    }
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const portrait::detail::TorchBridge* portrait_torch_bridge() noexcept {
    static const portrait::detail::TorchBridge bridge{TORCH_VERSION, &set_threads, &threads, &cuda_built, &cuda_devices};
    return &bridge;
}
