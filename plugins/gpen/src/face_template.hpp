// The GPEN alignment template (spec §3.5): where the five points of a face land in
// the S x S crop the network restores.
#pragma once

#include <array>

#include <opencv2/core.hpp>

namespace portrait::gpen {

using Points5 = std::array<cv::Point2d, 5>;  // left eye, right eye, nose tip, mouth left, mouth right

// ArcFace 96x112 points, made square (+8 in x), padded inside by 0.25 (+28), scaled by size/168.
Points5 gpen_template(int size);

// The 112 x 112 crop the EQFace gate scores (spec §3.5, last paragraph): the ArcFace points
// made square (+8 in x) without the padding, because of an early return in the original.
Points5 eqface_template();

}  // namespace portrait::gpen
