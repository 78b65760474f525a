#include "face_analyzer.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "face_landmarks.hpp"

namespace portrait::face {

std::string ModelPaths::cache_dir() {
    if (const char* c = std::getenv("PORTRAIT_CACHE"); c && *c) return c;
    const char* home = std::getenv("HOME");
    return std::string(home ? home : ".") + "/.cache/portrait";
}

ModelPaths ModelPaths::from_cache() {
    const std::string m = cache_dir() + "/models/";
    return {m + "blazeface/face_detection_front_128x128_barracuda.onnx",
            m + "blazeface/face_detection_back_256x256_barracuda.onnx", m + "facemesh/facemesh.onnx"};
}

bool ModelPaths::complete() const {
    namespace fs = std::filesystem;
    return fs::exists(front) && fs::exists(back) && fs::exists(mesh);
}

FaceAnalyzer::FaceAnalyzer(const ModelPaths& models, AnalyzerOptions opt)
    : opt_(opt),
      detector_(opt.detector.choice == DetectorChoice::Back ? "" : models.front,
                opt.detector.choice == DetectorChoice::Front ? "" : models.back, opt.detector),
      mesh_(models.mesh) {}

bool FaceAnalyzer::mesh_face(const cv::Mat& bgr, const Detection& det, FaceResult& out) {
    RotatedSquare roi = roi_from_detection(det);
    MeshResult m = mesh_.run(bgr, roi);
    if (m.face_flag < opt_.min_face_flag) return false;
    if (opt_.refine) {
        // The detector box is coarse; a crop rebuilt from the landmarks centres the face
        // the way the mesh model was trained. Keep the first pass if the second loses it.
        const RotatedSquare roi2 = roi_from_landmarks(m.points);
        MeshResult m2 = mesh_.run(bgr, roi2);
        if (m2.face_flag >= opt_.min_face_flag) m = std::move(m2), roi = roi2;
    }
    out.box = det.box;
    out.score = det.score;
    out.keypoints = det.keypoints;
    out.landmarks = std::move(m.points);
    out.z = std::move(m.z);
    out.face_flag = m.face_flag;
    out.align5 = align5_from_mesh(out.landmarks);
    out.roi = roi;
    return true;
}

std::vector<FaceResult> FaceAnalyzer::analyze(const cv::Mat& bgr) {
    CV_Assert(bgr.type() == CV_8UC3);
    std::vector<FaceResult> faces;
    if (opt_.max_faces <= 0) return faces;
    for (const Detection& d : detector_.detect(bgr)) {
        if (std::max(d.box.width, d.box.height) < opt_.min_face_size) continue;
        FaceResult f;
        if (!mesh_face(bgr, d, f)) continue;
        faces.push_back(std::move(f));
        if (int(faces.size()) >= opt_.max_faces) break;
    }
    return faces;
}

}  // namespace portrait::face
