// Where LibTorch stages run: resources.device (auto | cpu | cuda | cuda:N) resolved against
// the LibTorch this host is linked with and the GPUs it sees.
#pragma once

#include <string>

namespace portrait {

// What the LibTorch in use offers: built with CUDA, and how many devices it sees.
struct TorchDevices {
    bool cuda_built = false;
    int cuda_devices = 0;
};
// Asks the host's LibTorch, loading it (through libportrait_torch_bridge.so) if no plugin
// has yet; {false, 0} when the bridge cannot be opened.
TorchDevices torch_devices();

// True when `text` is a device setting: auto, cpu, cuda or cuda:N (N 0..63).
bool is_device_setting(const std::string& text);

struct DeviceChoice {
    std::string device;  // "cpu" or "cuda:N", what Context::device() hands to stages
    std::string reason;  // why, for the log: "resources.device auto: this LibTorch has no CUDA"
};

// Resolves a device setting. `auto` takes cuda:0 when `available` has a device, else the
// CPU. `cuda`/`cuda:N` where it cannot run throws UsageError (exit 2) naming what is
// missing: a LibTorch without CUDA, no GPU visible, or N past the last device.
DeviceChoice resolve_device(const std::string& setting, const TorchDevices& available);

}  // namespace portrait
