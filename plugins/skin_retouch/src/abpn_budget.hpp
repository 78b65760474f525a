// ABPN's device memory on a GPU (resources.device_memory_limit): the estimate per face crop
// and how many inpainting tiles go into one call, or a refusal. Pure arithmetic, tested on
// the CPU; the CPU's memory_estimate uses the same figures.
#pragma once

#include <cstddef>
#include <string>

#include <opencv2/core.hpp>

namespace portrait::skin {

// The crop's own tensors (a crop can be the whole image): about 80 bytes per crop pixel.
constexpr std::size_t kAbpnBytesPerCropPixel = 80;
// Inpainting activations per 576 x 576 tile of a call.
constexpr std::size_t kAbpnBytesPerTile = std::size_t(160) << 20;
// Detection at 768 and the generator at 512, which do not overlap the inpainting.
constexpr std::size_t kAbpnFixedBytes = std::size_t(400) << 20;

// Bytes one crop of `crop_px` pixels needs beside the weights, inpainting `tiles` per call.
std::size_t abpn_crop_bytes(std::size_t crop_px, int tiles);

// Inpainting tiles per call within `budget` for a crop of `crop_px` pixels beside `weights`
// bytes: the most up to `wanted`; 0 when not even one fits.
int abpn_tiles_per_call(std::size_t budget, std::size_t weights, std::size_t crop_px, int wanted);

// The refusal for a crop that does not fit, naming resources.device_memory_limit.
std::string abpn_budget_refusal(std::size_t budget, std::size_t weights, cv::Size crop);

}  // namespace portrait::skin
