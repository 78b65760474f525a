#include "device_budget.hpp"

#include <algorithm>
#include <cmath>

namespace portrait::gpen {

namespace {

std::string mib(std::size_t bytes) { return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MiB"; }

int round_up(int v, int a) { return (v + a - 1) / a * a; }

}  // namespace

std::size_t gpen_bytes_per_face(int size) {
    return size >= 2048 ? (std::size_t(3) << 30) : size >= 1024 ? (std::size_t(1536) << 20) : (std::size_t(1) << 30);
}

int faces_per_call(std::size_t budget, std::size_t resident, std::size_t per_face, int wanted) {
    wanted = std::max(1, wanted);
    if (budget <= resident) return 0;
    if (per_face == 0) return wanted;
    return int(std::min<std::size_t>((budget - resident) / per_face, std::size_t(wanted)));
}

int tile_for_budget(std::size_t budget, std::size_t resident, std::size_t per_pixel, int wanted, cv::Size image,
                    int pad, int align, int min_tile) {
    align = std::max(1, align);
    per_pixel = std::max<std::size_t>(1, per_pixel);
    if (budget <= resident) return 0;
    const std::size_t pixels = (budget - resident) / per_pixel;  // padded tile pixels that fit
    const int longest = std::max(image.width, image.height);
    // One tile covers the image (make_tiles then adds no context): it needs the image's area.
    if ((wanted <= 0 || wanted >= longest) && std::size_t(image.area()) <= pixels) return wanted > 0 ? wanted : longest;
    const int target = wanted > 0 ? std::min(wanted, longest) : longest;
    const long side = long(std::sqrt(double(pixels)));  // padded side that fits
    const long t = (side - 2L * round_up(std::max(0, pad), align)) / align * align;
    if (t >= target) return target;
    return t >= std::min(min_tile, target) && t > 0 ? int(t) : 0;
}

DevicePlan plan_device_memory(const DeviceNeeds& n) {
    DevicePlan plan;
    plan.batch = std::max(1, n.batch);
    plan.tile = n.tile;
    const std::string limit = "resources.device_memory_limit is " + mib(n.budget);
    if (n.realesrnet) {
        const std::size_t image = std::size_t(n.image.area()) * kSrBytesPerImagePixel;
        plan.tile = tile_for_budget(n.budget, n.weights + image, kSrBytesPerTilePixel, n.tile, n.image, n.pad, 2);
        if (plan.tile == 0) {
            const int t = std::min(kMinSrTile, std::max(n.image.width, n.image.height)) + 2 * n.pad;
            const std::size_t tile = std::size_t(t) * std::size_t(t) * kSrBytesPerTilePixel;
            plan.refused = "gpen: background realesrnet on a " + std::to_string(n.image.width) + "x" +
                           std::to_string(n.image.height) + " image needs at least " + mib(n.weights + image + tile) +
                           " of device memory (networks " + mib(n.weights) + ", image " + mib(image) + ", a " +
                           std::to_string(kMinSrTile) + " px tile " + mib(tile) + ") but " + limit +
                           "; raise resources.device_memory_limit (0 = no limit), lower resources.max_size, use "
                           "background: bicubic, or run on the CPU (resources.device: cpu)";
            return plan;
        }
    }
    if (n.faces > 0) {
        const std::size_t resident = n.weights + (n.gate ? kGateBytes : 0);
        const std::size_t per_face = gpen_bytes_per_face(n.face_size);
        plan.batch = faces_per_call(n.budget, resident, per_face, n.batch);
        if (plan.batch == 0)
            plan.refused = "gpen: one GPEN-" + std::to_string(n.face_size) + " face needs about " +
                           mib(resident + per_face) + " of device memory (networks " + mib(n.weights) +
                           (n.gate ? ", EQFace " + mib(kGateBytes) : std::string()) + ", activations " + mib(per_face) + ") but " + limit +
                           "; raise resources.device_memory_limit (0 = no limit) or run on the CPU "
                           "(resources.device: cpu)";
    }
    return plan;
}

}  // namespace portrait::gpen
