#include "face_analyzer.hpp"

#include <algorithm>
#include <filesystem>

#include "face_landmarks.hpp"

namespace portrait::face {

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
        // The detector box is coarse; a crop rebuilt from the landmarks centres the face the
        // way the mesh model was trained. Usually one more pass settles it; a face whose roll
        // the detector keypoints got badly wrong needs one or two more.
        for (int pass = 0; pass < 3; ++pass) {
            const RotatedSquare next = roi_from_landmarks(m.points);
            MeshResult m2 = mesh_.run(bgr, next);
            // The better-centred crop must still look like a face: junk that scored on a
            // loose crop (part of a face at its edge) falls off here.
            if (m2.face_flag < opt_.min_face_flag) return false;
            const float turn = std::abs(normalize_angle(next.angle - roi.angle));
            const float shift = float(cv::norm(next.center - roi.center)) / next.side;
            m = std::move(m2), roi = next;
            if (turn < 0.17f && shift < 0.1f) break;  // about 10 degrees, 10% of the crop
        }
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

cv::Rect2f landmark_box(const std::vector<cv::Point2f>& pts) {
    if (pts.empty()) return {};
    float x0 = pts[0].x, x1 = x0, y0 = pts[0].y, y1 = y0;
    for (const auto& p : pts) x0 = std::min(x0, p.x), x1 = std::max(x1, p.x), y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
    return {x0, y0, x1 - x0, y1 - y0};
}

std::vector<FaceResult> FaceAnalyzer::mesh_all(const cv::Mat& bgr, const std::vector<Detection>& dets) {
    std::vector<FaceResult> faces;
    for (const Detection& d : dets) {
        if (std::max(d.box.width, d.box.height) < opt_.min_face_size) continue;
        FaceResult f;
        if (!mesh_face(bgr, d, f)) continue;
        // Two detections of one face (different scales, models or tiles) converge on the
        // same mesh; keep the better-scored one, which came first.
        const cv::Rect2f lb = landmark_box(f.landmarks);
        const bool dup = std::any_of(faces.begin(), faces.end(),
                                     [&](const FaceResult& g) { return iou(lb, landmark_box(g.landmarks)) > 0.5f; });
        if (dup) continue;
        faces.push_back(std::move(f));
        if (int(faces.size()) >= opt_.max_faces) break;
    }
    return faces;
}

std::vector<FaceResult> FaceAnalyzer::analyze(const cv::Mat& bgr) {
    CV_Assert(bgr.type() == CV_8UC3);
    if (opt_.max_faces <= 0) return {};
    std::vector<FaceResult> faces = mesh_all(bgr, detector_.detect_upright(bgr));
    if (!faces.empty() || !opt_.detector.rotated_passes) return faces;
    // Nothing upright that the mesh accepts: try the image turned, best turn first. The mesh
    // runs on the original image with the rotated crop, so no resampling twice.
    for (int g = 0; g < FaceDetector::kRotationGroups; ++g)
        for (const auto& dets : detector_.rotated_candidates(bgr, g)) {
            faces = mesh_all(bgr, dets);
            if (!faces.empty()) return faces;
        }
    return faces;
}

}  // namespace portrait::face
