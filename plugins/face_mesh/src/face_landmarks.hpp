// MediaPipe FaceMesh (468 points) index sets we rely on, and the five alignment points.
#pragma once

#include <array>
#include <vector>

#include <opencv2/core/types.hpp>

namespace portrait::face {

constexpr int kMeshPoints = 468;

// Face oval, clockwise on screen from the forehead centre (MediaPipe FACEMESH_FACE_OVAL).
// Position 0 = 10 (forehead), 8 = 454 (subject's left, ear level), 18 = 152 (chin),
// 28 = 234 (subject's right, ear level).
constexpr std::array<int, 36> kFaceOval = {10,  338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288,
                                           397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136,
                                           172, 58,  132, 93,  234, 127, 162, 21,  54,  103, 67,  109};

// Inner features the slimming warp keeps still: eye corners and lids, brows, nose, mouth.
constexpr std::array<int, 26> kInnerAnchors = {33,  133, 159, 145, 263, 362, 386, 374, 70, 105, 107,
                                               300, 334, 336, 168, 6,   4,   1,   0,   13,  14,  17,
                                               61,  291, 98,  327};

constexpr int kMeshForehead = 10, kMeshChin = 152, kMeshNoseTip = 1, kMeshBetweenEyes = 168;
constexpr int kMeshEarRight = 234, kMeshEarLeft = 454;  // subject's right (image left when upright)

// Eye centres, nose tip, mouth corners. Index 0/3 are the subject's right eye / mouth
// corner, which is the image-left one when the face is upright (GPEN's "left").
std::array<cv::Point2f, 5> align5_from_mesh(const std::vector<cv::Point2f>& pts);

}  // namespace portrait::face
