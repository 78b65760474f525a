// The rotated square a face is cropped from before the mesh model, and its mappings.
// Coordinates are OpenCV pixel-index coordinates (pixel centres at integers); model outputs
// are continuous crop coordinates (0..crop_size), hence the half-pixel terms in the .cpp.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "blazeface_decode.hpp"

namespace portrait::face {

struct RotatedSquare {
    cv::Point2f center;  // image pixels
    float side = 0.f;    // image pixels
    float angle = 0.f;   // radians; direction of the crop's x axis in the image (y down)

    // 2x3 matrix for cv::warpAffine(..., WARP_INVERSE_MAP): crop pixel index -> image pixel.
    cv::Matx23d crop_to_image_matrix(int crop_size) const;
    // Continuous crop coordinate (as the mesh model outputs) -> image pixel.
    cv::Point2f crop_to_image(cv::Point2f crop, int crop_size) const;
    // Image pixel -> continuous crop coordinate (inverse of the above).
    cv::Point2f image_to_crop(cv::Point2f image, int crop_size) const;
};

// MediaPipe detection -> ROI rule: box centre, rotation from the eye keypoints (subject's
// right eye -> left eye), side = scale * max(w, h). `det` must be in image pixels.
RotatedSquare roi_from_detection(const Detection& det, float scale = 1.5f);

// Second-pass rule: rotation from landmark 33 -> 263 (outer eye corners), box = landmark
// extent measured along the rotated axes, side = scale * longer side.
RotatedSquare roi_from_landmarks(const std::vector<cv::Point2f>& pts, float scale = 1.5f);

// Angle normalised to (-pi, pi].
float normalize_angle(float a);

}  // namespace portrait::face
