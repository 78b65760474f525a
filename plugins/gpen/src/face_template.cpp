#include "face_template.hpp"

namespace portrait::gpen {

namespace {
// The ArcFace reference points of the 96x112 crop (spec §3.5).
const Points5 kArcface{{{30.2946, 51.6963}, {65.5318, 51.5014}, {48.0252, 71.7366}, {33.5493, 92.3655}, {62.7299, 92.2041}}};
constexpr double kSquareShift = 8.0;  // 96 -> 112 wide
}  // namespace

Points5 gpen_template(int size) {
    const Points5& arcface = kArcface;
    constexpr double kPad = 28.0;         // 0.25 * 112 on each side -> 168
    constexpr double kBox = 168.0;
    const double s = double(size) / kBox;
    Points5 out;
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = {(arcface[i].x + kSquareShift + kPad) * s, (arcface[i].y + kPad) * s};
    return out;
}

Points5 eqface_template() {
    Points5 out;
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = {kArcface[i].x + kSquareShift, kArcface[i].y};
    return out;
}

}  // namespace portrait::gpen
