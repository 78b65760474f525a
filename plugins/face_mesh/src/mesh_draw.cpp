#include "mesh_draw.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "face_landmarks.hpp"

namespace portrait::face {

void draw_faces(cv::Mat& img, const std::vector<FaceResult>& faces) {
    const int t = std::max(1, int(std::lround(std::max(img.cols, img.rows) / 800.0)));
    for (const FaceResult& f : faces) {
        cv::rectangle(img, f.box, {0, 255, 0}, t, cv::LINE_AA);
        for (const auto& k : f.keypoints) cv::circle(img, k, 2 * t, {0, 255, 0}, -1, cv::LINE_AA);
        if (f.landmarks.size() != std::size_t(kMeshPoints)) continue;
        // Dots scaled to the face so the mesh stays readable on small and large faces.
        const int r = std::max(1, int(std::lround(f.roi.side / 300.0)));
        for (const auto& p : f.landmarks) cv::circle(img, p, r, {0, 0, 255}, -1, cv::LINE_AA);
        std::vector<cv::Point> oval;
        for (int i : kFaceOval) oval.emplace_back(int(std::lround(f.landmarks[i].x)), int(std::lround(f.landmarks[i].y)));
        cv::polylines(img, oval, true, {0, 255, 255}, t, cv::LINE_AA);
    }
}

}  // namespace portrait::face
