// How the stage fits its networks into resources.device_memory_limit on a GPU: fewer faces
// per GPEN call and smaller RealESRNet tiles, or a refusal that says what would fit. Pure
// arithmetic on estimates, so it is tested on the CPU.
#pragma once

#include <cstddef>
#include <string>

#include <opencv2/core.hpp>

namespace portrait::gpen {

// GPEN activations per face of a call, by network size (measured on the CPU: peak RSS minus
// weights, 0.8 GiB at 512, 1.3 GiB at 1024; 2048 extrapolated; docs/performance.md).
std::size_t gpen_bytes_per_face(int size);
// RealESRNet activations per pixel of a padded tile (measured 0.3 GiB at 464 x 464).
constexpr std::size_t kSrBytesPerTilePixel = 1900;
// The whole image on the device while RealESRNet runs: float RGB input (12 bytes) and the
// 8-bit output at twice the size (12 bytes), per input pixel.
constexpr std::size_t kSrBytesPerImagePixel = 24;
// EQFace on one 112 x 112 crop (a ResNet at batch 1; not measured, a generous bound).
constexpr std::size_t kGateBytes = std::size_t(256) << 20;
// Below this RealESRNet tiles are mostly context (tile_pad 32 on each side): refuse instead.
constexpr int kMinSrTile = 64;

// Faces per GPEN call: the most, up to `wanted`, whose activations (`per_face` each) fit in
// `budget` beside `resident` bytes; 0 when not even one does.
int faces_per_call(std::size_t budget, std::size_t resident, std::size_t per_face, int wanted);

// RealESRNet tile side in input pixels for `image`: `wanted` (<= 0: the whole image at once)
// when it fits in `budget` beside `resident` bytes at `per_pixel` bytes per tile pixel, else
// the largest multiple of `align` whose padded tile (side + 2 `pad`) fits; 0 when even
// min(min_tile, the longer side) does not. The whole image that fits comes back as its
// longer side (one tile).
int tile_for_budget(std::size_t budget, std::size_t resident, std::size_t per_pixel, int wanted, cv::Size image,
                    int pad, int align, int min_tile = kMinSrTile);

struct DeviceNeeds {
    std::size_t budget = 0;    // resources.device_memory_limit, bytes (> 0)
    std::size_t weights = 0;   // every network the stage holds on the device
    int face_size = 512;       // GPEN S
    int batch = 1;             // faces per call asked for
    int faces = 0;             // faces the image sends to GPEN (0: background only)
    bool gate = false;         // EQFace runs between the GPEN calls
    bool realesrnet = false;   // the background runs on the device
    cv::Size image;            // working image (RealESRNet input)
    int tile = 400, pad = 32;  // RealESRNet tile and tile_pad asked for
};

struct DevicePlan {
    int batch = 1;
    int tile = 0;          // RealESRNet tile side to use (when realesrnet)
    std::string refused;   // empty, or why the image cannot run within the budget
};

// The batch and tile this image runs with under needs.budget; the two phases (background,
// then faces) do not overlap, so each is checked against the budget beside the weights.
DevicePlan plan_device_memory(const DeviceNeeds& needs);

}  // namespace portrait::gpen
