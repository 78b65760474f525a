// Skin masks from the face mesh: the face oval minus eyes, brows, lips and nostrils,
// refined by a per-face skin colour model and feathered.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "portrait/frame.hpp"

namespace portrait::skin {

struct FaceSkin {
    cv::Rect roi;        // image rectangle the mask covers (face oval plus margin, clipped)
    cv::Mat mask;        // CV_32F 0..1, roi-sized
    float face_width = 0;  // pixels, used to scale filter sizes
    bool from_mesh = false;  // false: an ellipse in the detector box stood in for the mesh
    cv::Mat features;  // CV_8U 0/255 roi-sized: eyes, brows, lips, nostrils as the mesh outlines
                       // them (not grown), never retouched as spots; empty without a mesh
};

// Mask for one face. Uses the 468 landmarks when present, else an ellipse in Face::box.
FaceSkin face_skin(const cv::Mat& bgr, const Face& face);

// Facial skin of every face as one image-sized CV_8U mask (0..255).
cv::Mat faces_skin_mask(cv::Size size, const std::vector<FaceSkin>& faces);

// Skin of the whole person for whitening when no segmentation network is available:
// the facial masks, plus pixels matching each face's skin colour in a region around
// and below the face (neck, shoulders, hands near the face). CV_8U 0..255.
cv::Mat person_skin_mask(const cv::Mat& bgr, const std::vector<Face>& faces, const std::vector<FaceSkin>& skins);

}  // namespace portrait::skin
