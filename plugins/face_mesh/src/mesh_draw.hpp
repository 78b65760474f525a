// Debug/preview rendering of what the face_mesh stage found.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "face_analyzer.hpp"

namespace portrait::face {

// Box and keypoints in green, mesh points in red, face oval as a yellow polyline.
void draw_faces(cv::Mat& bgr, const std::vector<FaceResult>& faces);

}  // namespace portrait::face
