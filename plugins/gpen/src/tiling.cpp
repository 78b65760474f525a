#include "tiling.hpp"

#include <algorithm>
#include <stdexcept>

namespace portrait::gpen {

namespace {
int round_up(int v, int a) { return (v + a - 1) / a * a; }
}  // namespace

std::vector<Tile> make_tiles(cv::Size image, int tile, int pad, int align) {
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

cv::Mat run_tiled(const cv::Mat& input, int factor, int tile, int pad, int align,
                  const std::function<cv::Mat(const cv::Mat&)>& fn, const std::function<bool()>& cancelled) {
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
        CV_Assert(result.type() == out.type());
        const cv::Rect src((t.core.tl() - t.padded.tl()) * factor, t.core.size() * factor);
        result(src).copyTo(out(cv::Rect(t.core.tl() * factor, t.core.size() * factor)));
    }
    return out;
}

}  // namespace portrait::gpen
