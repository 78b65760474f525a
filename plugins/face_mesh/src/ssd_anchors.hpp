// SSD anchor centres for BlazeFace (MediaPipe SsdAnchorsCalculator with fixed_anchor_size,
// aspect ratio 1 plus the interpolated anchor: two anchors per layer and cell).
#pragma once

#include <vector>

namespace portrait::face {

struct Anchor {
    float cx = 0.f;  // normalised to the square model input, 0..1
    float cy = 0.f;
};

struct AnchorOptions {
    int input_size = 128;
    std::vector<int> strides;  // one per layer; equal consecutive strides share one grid
    float offset = 0.5f;
    int anchors_per_layer = 2;
};

// Front 128 (short range) and back 256 (full range) settings from MediaPipe's graphs.
AnchorOptions front_anchor_options();
AnchorOptions back_anchor_options();

// Order: layer groups, then rows, columns, anchors within a cell (the model's output order).
std::vector<Anchor> make_ssd_anchors(const AnchorOptions& opt);

}  // namespace portrait::face
