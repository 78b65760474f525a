// Which detected faces to restore: size floor, centre face only, at most N largest.
#pragma once

#include <vector>

#include <portrait/frame.hpp>

namespace portrait::gpen {

struct FaceSelection {
    bool only_center_face = false;  // keep only the face whose centre is nearest the image centre
    double min_face_size = 0;       // skip faces whose shorter side is below this (working px)
    int max_faces = 0;              // keep at most this many, the largest first (0 = all)
};

// Size of a face in pixels: the shorter side of its box, or, without a box, twice the
// distance between the eye centres.
double face_size(const Face& face);

// Indices into `faces` of the faces to restore, in detection order. Faces without
// align5 points are never selected.
std::vector<int> select_faces(const std::vector<Face>& faces, cv::Size image, const FaceSelection& sel);

}  // namespace portrait::gpen
