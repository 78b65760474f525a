// MediaPipe FaceMesh (468 points) outlines the skin mask is cut from: the face oval,
// and the features that are not skin (eyes, brows, lips, nostrils).
#pragma once

#include <vector>

#include <opencv2/core/types.hpp>

namespace portrait::skin {

constexpr int kMeshPoints = 468;

// Closed outlines as landmark index lists, in drawing order.
const std::vector<int>& face_oval_outline();
const std::vector<std::vector<int>>& non_skin_outlines();  // eyes, brows, lips, nostrils

// Landmarks inside the cheeks and forehead that are skin on almost every face: the
// colour model is fitted on patches around them.
const std::vector<int>& skin_sample_points();

// Landmark pixel positions of an outline.
std::vector<cv::Point> outline_points(const std::vector<cv::Point2f>& landmarks, const std::vector<int>& outline,
                                      cv::Point2f offset = {0, 0});

// Width of the face across the oval at ear level (landmarks 234 - 454), in pixels.
float face_width(const std::vector<cv::Point2f>& landmarks);

}  // namespace portrait::skin
