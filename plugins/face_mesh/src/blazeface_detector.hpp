// BlazeFace in OpenCV DNN: letterbox, run, decode, NMS, map to image pixels; front (short
// range, 128) and back (full range, 256) models, optional tiles for large group photos and
// rotated passes when an upright pass finds nothing.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "blazeface_decode.hpp"

namespace portrait::face {

enum class DetectorChoice { Auto, Front, Back };
DetectorChoice parse_detector_choice(const std::string& s);  // "auto" | "front" | "back"

class BlazeFaceModel {
public:
    // `back` selects the 256 full-range anchor layout, else the 128 short-range one.
    BlazeFaceModel(const std::string& onnx_path, bool back);
    ~BlazeFaceModel();
    BlazeFaceModel(const BlazeFaceModel&) = delete;
    BlazeFaceModel& operator=(const BlazeFaceModel&) = delete;

    int input_size() const;
    // Detections in `bgr` pixel coordinates (letterboxed into the square input), before NMS.
    std::vector<Detection> run(const cv::Mat& bgr, float min_score);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

struct DetectorOptions {
    DetectorChoice choice = DetectorChoice::Auto;
    float min_score = 0.65f;  // MediaPipe full-range default
    float nms_iou = 0.3f;
    bool tiles = true;           // back model on overlapping tiles when the image is large
    int tile_min_side = 1024;    // long side (px) from which tiles are added
    float tile_fraction = 0.55f; // tile side as a fraction of the image's short side
    bool rotated_passes = true;  // retry at 90/270/180 and the diagonals when nothing is found
};

class FaceDetector {
public:
    // Either path may be empty when the choice does not need that model.
    FaceDetector(const std::string& front_onnx, const std::string& back_onnx, DetectorOptions opt);
    ~FaceDetector();

    // Merged, suppressed detections in image pixels, best first; rotated passes only when
    // the upright pass finds nothing (FaceAnalyzer also retries when no mesh survives).
    std::vector<Detection> detect(const cv::Mat& bgr);
    // One pass at the image's own orientation (all models, tiles).
    std::vector<Detection> detect_upright(const cv::Mat& bgr);
    // One pass on the image turned by `deg`, mapped back to the image.
    std::vector<Detection> detect_rotated(const cv::Mat& bgr, double deg);
    // Group 0: quarter turns, group 1: diagonals. Non-empty passes, best top score first.
    static constexpr int kRotationGroups = 2;
    std::vector<std::vector<Detection>> rotated_candidates(const cv::Mat& bgr, int group);
    const DetectorOptions& options() const { return opt_; }

private:
    std::vector<Detection> detect_pass(const cv::Mat& bgr, bool tiles);
    DetectorOptions opt_;
    std::unique_ptr<BlazeFaceModel> front_, back_;
};

// Maps detections found in an image rotated by `deg` (counter-clockwise, expanded canvas,
// as rotate_expanded makes it) back to the original image.
cv::Mat rotate_expanded(const cv::Mat& img, double deg, cv::Matx23d* to_rotated);
Detection map_detection(const Detection& d, const cv::Matx23d& m);

}  // namespace portrait::face
