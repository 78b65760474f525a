#include "portrait/runtime/device.hpp"

#include "portrait/runtime/errors.hpp"
#include "torch_bridge.hpp"

namespace portrait {

TorchDevices torch_devices() {
    TorchDevices d;
    if (const detail::TorchBridge* b = detail::attach_torch()) {
        d.cuda_built = b->cuda_built() != 0;
        d.cuda_devices = b->cuda_devices();
    }
    return d;
}

DeviceChoice resolve_device(const std::string& setting, const TorchDevices& available) {
    if (!is_device_setting(setting))
        throw UsageError("resources.device '" + setting + "' is not one of auto, cpu, cuda, cuda:N");
    if (setting == "cpu") return {"cpu", "resources.device cpu"};
    if (setting == "auto") {
        if (available.cuda_devices > 0)
            return {"cuda:0", "resources.device auto: CUDA device 0 of " + std::to_string(available.cuda_devices)};
        return {"cpu", available.cuda_built ? "resources.device auto: LibTorch has CUDA but sees no GPU"
                                            : "resources.device auto: this LibTorch has no CUDA"};
    }
    const int index = setting == "cuda" ? 0 : std::stoi(setting.substr(5));
    if (!available.cuda_built)
        throw UsageError("resources.device " + setting +
                         ": this LibTorch was built without CUDA (Debian's libtorch-dev is CPU-only); build "
                         "against a CUDA LibTorch with -DPORTRAIT_LIBTORCH_DIR=... (README), or use cpu or auto");
    if (available.cuda_devices == 0)
        throw UsageError("resources.device " + setting +
                         ": LibTorch has CUDA but sees no GPU (driver not loaded, or CUDA_VISIBLE_DEVICES hides "
                         "them); use cpu or auto");
    if (index >= available.cuda_devices)
        throw UsageError("resources.device " + setting + ": there " +
                         (available.cuda_devices == 1 ? std::string("is 1 CUDA device (cuda:0)")
                                                      : "are " + std::to_string(available.cuda_devices) +
                                                            " CUDA devices (cuda:0 .. cuda:" +
                                                            std::to_string(available.cuda_devices - 1) + ")"));
    return {"cuda:" + std::to_string(index), "resources.device " + setting};
}

}  // namespace portrait
