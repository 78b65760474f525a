// The host's LibTorch calls (threads, CUDA devices) live in libportrait_torch_bridge.so,
// which libportrait opens only when it needs them, so a pipeline without LibTorch stages
// never loads LibTorch. It is opened when a plugin that links LibTorch is loaded (its
// descriptor says so) or when resources.device must be checked against the GPUs.
#pragma once

namespace portrait::detail {

// What the bridge library exports, as one C table (portrait_torch_bridge()).
struct TorchBridge {
    const char* version;                   // TORCH_VERSION it was built with
    void (*set_threads)(int n) noexcept;   // at::set_num_threads
    int (*threads)() noexcept;             // at::get_num_threads
    int (*cuda_built)() noexcept;          // at::hasCUDA()
    int (*cuda_devices)() noexcept;        // torch::cuda::device_count()
};

// Opens the bridge beside libportrait once and applies the last thread count to LibTorch.
// Null (and a warning once) when it cannot be opened.
const TorchBridge* attach_torch();
// The bridge when already open, else null: never loads LibTorch.
const TorchBridge* attached_torch();
// Remembers the thread count for LibTorch and applies it when the bridge is open.
void set_torch_threads(int threads);

}  // namespace portrait::detail

#define PORTRAIT_TORCH_BRIDGE_FILE "libportrait_torch_bridge.so"
#define PORTRAIT_TORCH_BRIDGE_ENTRY "portrait_torch_bridge"
