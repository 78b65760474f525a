#include "abpn_budget.hpp"

#include <algorithm>

namespace portrait::skin {

namespace {
std::string mib(std::size_t bytes) { return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MiB"; }
}  // namespace

std::size_t abpn_crop_bytes(std::size_t crop_px, int tiles) {
    return crop_px * kAbpnBytesPerCropPixel + std::size_t(std::max(1, tiles)) * kAbpnBytesPerTile + kAbpnFixedBytes;
}

int abpn_tiles_per_call(std::size_t budget, std::size_t weights, std::size_t crop_px, int wanted) {
    wanted = std::max(1, wanted);
    const std::size_t one = weights + abpn_crop_bytes(crop_px, 1);
    if (budget < one) return 0;
    return int(std::min<std::size_t>(1 + (budget - one) / kAbpnBytesPerTile, std::size_t(wanted)));
}

std::string abpn_budget_refusal(std::size_t budget, std::size_t weights, cv::Size crop) {
    const std::size_t need = abpn_crop_bytes(std::size_t(crop.area()), 1);
    return "skin_retouch: a " + std::to_string(crop.width) + "x" + std::to_string(crop.height) +
           " face crop needs about " + mib(weights + need) + " of device memory (networks " + mib(weights) +
           ", crop and activations " + mib(need) + ") but resources.device_memory_limit is " + mib(budget) +
           "; raise resources.device_memory_limit (0 = no limit), lower resources.max_size, or run on the CPU "
           "(resources.device: cpu)";
}

}  // namespace portrait::skin
