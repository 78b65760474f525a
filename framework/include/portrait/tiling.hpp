// Tiled processing with overlap, for stages whose network enlarges an image (or needs
// memory per pixel): each tile is processed with `pad` pixels of context on every side
// (fewer at the image border) and only its core is kept, so memory is bounded by the tile
// and, when pad covers the network's receptive field, the result equals the untiled one.
// Part of the SDK (header only): gpen's RealESRNet background and super_resolution use it.
#pragma once

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "portrait/version.hpp"

namespace portrait {
inline namespace PORTRAIT_SDK_NAMESPACE {
namespace tiling {

struct Tile {
    cv::Rect core;    // part of the input this tile is responsible for
    cv::Rect padded;  // core plus context, clipped to the image
};

// Row-major tiles of at most `tile` x `tile` (tile <= 0: one tile). Every edge of core and
// padded lies on a multiple of `align` (or on the image border), as networks that
// pixel-unshuffle need; `image` must then have sides that are multiples of `align`.
inline std::vector<Tile> make_tiles(cv::Size image, int tile, int pad, int align = 1) {
    const auto round_up = [](int v, int a) { return (v + a - 1) / a * a; };
    align = std::max(1, align);
    const cv::Rect all(cv::Point(0, 0), image);
    if (tile <= 0 || (tile >= image.width && tile >= image.height)) return {{all, all}};
    tile = round_up(std::max(tile, align), align);
    pad = round_up(std::max(pad, 0), align);
    std::vector<Tile> tiles;
    for (int y = 0; y < image.height; y += tile)
        for (int x = 0; x < image.width; x += tile) {
            const cv::Rect core = cv::Rect(x, y, tile, tile) & all;
            const cv::Rect padded = cv::Rect(x - pad, y - pad, tile + 2 * pad, tile + 2 * pad) & all;
            tiles.push_back({core, padded});
        }
    return tiles;
}

// Runs fn on each padded tile; fn returns an image `factor` times the size of its input
// (any type, the same for every tile). The cores are assembled into one output of
// `factor` x the input size. `cancelled` (optional) is polled between tiles.
inline cv::Mat run_tiled(const cv::Mat& input, int factor, int tile, int pad, int align,
                         const std::function<cv::Mat(const cv::Mat&)>& fn,
                         const std::function<bool()>& cancelled = {}) {
    if (factor < 1) throw std::invalid_argument("run_tiled: factor must be >= 1");
    cv::Mat out;
    for (const Tile& t : make_tiles(input.size(), tile, pad, align)) {
        if (cancelled && cancelled()) throw std::runtime_error("cancelled");
        const cv::Mat result = fn(input(t.padded));
        if (result.size() != t.padded.size() * factor)
            throw std::runtime_error("tile function returned " + std::to_string(result.cols) + "x" +
                                     std::to_string(result.rows) + ", expected " +
                                     std::to_string(t.padded.width * factor) + "x" +
                                     std::to_string(t.padded.height * factor));
        if (out.empty()) out.create(input.size() * factor, result.type());
        if (result.type() != out.type()) throw std::runtime_error("tile function returned another pixel type");
        const cv::Rect src((t.core.tl() - t.padded.tl()) * factor, t.core.size() * factor);
        result(src).copyTo(out(cv::Rect(t.core.tl() * factor, t.core.size() * factor)));
    }
    return out;
}

}  // namespace tiling
}  // namespace PORTRAIT_SDK_NAMESPACE
}  // namespace portrait
