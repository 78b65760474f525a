// background: esrgan-slim | esrgan-medium | esrgan-thick: the area outside the faces enlarged
// by the UpscalerJS ESRGAN x2 network of the super_resolution stage (MIT weights from npm,
// `portrait models fetch esrgan-<variant>`), so `scale: 2` works with real weights when the
// ModelScope RealESRNet checkpoint is absent.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>

#include "esrgan_upscaler.hpp"
#include "restorer.hpp"

namespace portrait::gpen {

// The tile the ESRGAN background runs with: super_resolution's defaults, whose activations
// (up to 9 KiB per tile pixel for medium) stay near RealESRNet's at gpen's tile 400.
constexpr int kEsrganTile = 192, kEsrganTilePad = 24;

class EsrganUpsampler final : public Upsampler {
public:
    EsrganUpsampler(const std::filesystem::path& x2_model, std::string variant, const std::string& device);
    // factor 2: the network's output; factor 1: that output averaged 2x2 back to the input
    // size, as background: realesrnet does with scale 1.
    cv::Mat upsample(const cv::Mat& bgr, int factor, const std::function<bool()>& cancelled = {}) override;
    // Peak bytes of one tile's pass (activations and output), for memory_estimate.
    std::size_t tile_bytes() const;

private:
    super_resolution::EsrganUpscaler up_;
    std::string variant_;
};

}  // namespace portrait::gpen
