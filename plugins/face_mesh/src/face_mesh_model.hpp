// The converted FaceMesh ONNX (models/convert/facemesh.py) in OpenCV DNN: crop a rotated
// square to 192x192 RGB [0,1], run, map the 468 points back to the image.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "mesh_roi.hpp"

namespace portrait::face {

struct MeshResult {
    std::vector<cv::Point2f> points;  // 468, image pixels
    std::vector<float> z;             // 468, image-pixel scale, negative towards the camera
    float face_flag = 0.f;            // sigmoid face probability of the crop
};

class FaceMeshModel {
public:
    static constexpr int kInput = 192;
    explicit FaceMeshModel(const std::string& onnx_path);
    ~FaceMeshModel();
    FaceMeshModel(const FaceMeshModel&) = delete;
    FaceMeshModel& operator=(const FaceMeshModel&) = delete;

    MeshResult run(const cv::Mat& bgr, const RotatedSquare& roi);
    // Runs on an already prepared 192x192 CV_32FC3 RGB [0,1] crop; points stay in crop units.
    MeshResult run_crop(const cv::Mat& rgb01);
    // The crop run() feeds the model (exposed for tests and debugging).
    static cv::Mat make_crop(const cv::Mat& bgr, const RotatedSquare& roi);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace portrait::face
