#include "esrgan_background.hpp"

#include <opencv2/imgproc.hpp>

namespace portrait::gpen {

EsrganUpsampler::EsrganUpsampler(const std::filesystem::path& x2_model, std::string variant,
                                 const std::string& device)
    : up_(x2_model, 2, device), variant_(std::move(variant)) {}

cv::Mat EsrganUpsampler::upsample(const cv::Mat& bgr, int factor, const std::function<bool()>& cancelled) {
    CV_Assert(bgr.type() == CV_8UC3 && (factor == 1 || factor == 2));
    cv::Mat up = up_.upscale(bgr, kEsrganTile, kEsrganTilePad, cancelled);
    if (factor == 2) return up;
    cv::Mat down;
    cv::resize(up, down, bgr.size(), 0, 0, cv::INTER_AREA);
    return down;
}

std::size_t EsrganUpsampler::tile_bytes() const {
    const std::size_t side = kEsrganTile + 2 * kEsrganTilePad;
    // Activations, plus the float x2 output tensor and its 8-bit copy (4 x 3 x (4 + 1) bytes).
    return side * side * (super_resolution::activation_bytes_per_pixel(variant_, 2) + 4 * 3 * 5);
}

}  // namespace portrait::gpen
