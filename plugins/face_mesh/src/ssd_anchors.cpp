#include "ssd_anchors.hpp"

#include <cmath>
#include <stdexcept>

namespace portrait::face {

AnchorOptions front_anchor_options() { return {128, {8, 16, 16, 16}, 0.5f, 2}; }
AnchorOptions back_anchor_options() { return {256, {16, 32, 32, 32}, 0.5f, 2}; }

std::vector<Anchor> make_ssd_anchors(const AnchorOptions& opt) {
    if (opt.input_size <= 0 || opt.strides.empty()) throw std::invalid_argument("anchors: bad options");
    std::vector<Anchor> out;
    std::size_t layer = 0;
    while (layer < opt.strides.size()) {
        const int stride = opt.strides[layer];
        std::size_t last = layer;
        while (last < opt.strides.size() && opt.strides[last] == stride) ++last;
        const int per_cell = int(last - layer) * opt.anchors_per_layer;
        const int cells = int(std::ceil(float(opt.input_size) / float(stride)));
        for (int y = 0; y < cells; ++y)
            for (int x = 0; x < cells; ++x)
                for (int a = 0; a < per_cell; ++a)
                    out.push_back({(float(x) + opt.offset) / float(cells), (float(y) + opt.offset) / float(cells)});
        layer = last;
    }
    return out;
}

}  // namespace portrait::face
