// Tiled processing with overlap, so a network that enlarges an image runs in bounded
// memory on any image size. Each tile is processed with `pad` pixels of context on every
// side (fewer at the image border) and only its core is kept; when pad covers the
// network's receptive field the result equals the untiled one.
#pragma once

#include <functional>
#include <vector>

#include <opencv2/core.hpp>

namespace portrait::gpen {

struct Tile {
    cv::Rect core;    // part of the input this tile is responsible for
    cv::Rect padded;  // core plus context, clipped to the image
};

// Row-major tiles of at most `tile` x `tile` (tile <= 0: one tile). Every edge of core and
// padded lies on a multiple of `align` (or on the image border), as networks that
// pixel-unshuffle need; `image` must then have sides that are multiples of `align`.
std::vector<Tile> make_tiles(cv::Size image, int tile, int pad, int align = 1);

// Runs fn on each padded tile; fn returns an image `factor` times the size of its input
// (any type, the same for every tile). The cores are assembled into one output of
// `factor` x the input size. `cancelled` (optional) is polled between tiles.
cv::Mat run_tiled(const cv::Mat& input, int factor, int tile, int pad, int align,
                  const std::function<cv::Mat(const cv::Mat&)>& fn,
                  const std::function<bool()>& cancelled = {});

}  // namespace portrait::gpen
