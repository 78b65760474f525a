// Detection + mesh for every face of an image: the algorithm behind the face_mesh stage,
// free of the plugin SDK so tests and benchmarks use it directly.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "blazeface_detector.hpp"
#include "face_mesh_model.hpp"

namespace portrait::face {

struct FaceResult {
    cv::Rect2f box;                          // detector box, image pixels
    float score = 0.f;                       // detector score
    std::array<cv::Point2f, 6> keypoints{};  // detector keypoints (BlazeFace order)
    std::vector<cv::Point2f> landmarks;      // 468 mesh points
    std::vector<float> z;                    // 468 depths, image-pixel scale
    std::array<cv::Point2f, 5> align5{};     // eye centres, nose tip, mouth corners
    float face_flag = 0.f;                   // mesh face probability
    RotatedSquare roi;                       // crop of the final mesh pass
};

struct AnalyzerOptions {
    DetectorOptions detector;
    int max_faces = 20;
    float min_face_size = 20.f;  // px, longer side of the detector box
    float min_face_flag = 0.5f;  // crops the mesh model does not call a face are dropped
    bool refine = true;          // second mesh pass on the ROI rebuilt from the landmarks
};

// The model files, as the host found them (Context::find_model, checked against their
// sidecars): the stage never looks for models itself.
struct ModelPaths {
    std::string front, back, mesh;
    bool complete() const;  // all three exist
};

// Axis-aligned bounding box of landmarks.
cv::Rect2f landmark_box(const std::vector<cv::Point2f>& pts);

class FaceAnalyzer {
public:
    FaceAnalyzer(const ModelPaths& models, AnalyzerOptions opt);
    std::vector<FaceResult> analyze(const cv::Mat& bgr);
    // Mesh for one detection (both passes); false if the mesh rejects the crop.
    bool mesh_face(const cv::Mat& bgr, const Detection& det, FaceResult& out);
    // Meshes detections in order, drops rejected and duplicate faces, stops at max_faces.
    std::vector<FaceResult> mesh_all(const cv::Mat& bgr, const std::vector<Detection>& dets);
    FaceDetector& detector() { return detector_; }
    FaceMeshModel& mesh() { return mesh_; }
    const AnalyzerOptions& options() const { return opt_; }

private:
    AnalyzerOptions opt_;
    FaceDetector detector_;
    FaceMeshModel mesh_;
};

}  // namespace portrait::face
