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
    float min_score = 0.6f;
    float nms_iou = 0.3f;
    bool tiles = true;           // back model on overlapping tiles when the image is large
    int tile_min_side = 1024;    // long side (px) from which tiles are added
    bool rotated_passes = true;  // retry at 90/270/180 and the diagonals when nothing is found
};

class FaceDetector {
public:
    // Either path may be empty when the choice does not need that model.
    FaceDetector(const std::string& front_onnx, const std::string& back_onnx, DetectorOptions opt);
    ~FaceDetector();

    // Merged, suppressed detections in image pixels, best first.
    std::vector<Detection> detect(const cv::Mat& bgr);
    // One pass at the given orientation only (no fallbacks); used by detect() and tests.
    std::vector<Detection> detect_upright(const cv::Mat& bgr);
    const DetectorOptions& options() const { return opt_; }

private:
    DetectorOptions opt_;
    std::unique_ptr<BlazeFaceModel> front_, back_;
};

// Maps detections found in an image rotated by `deg` (counter-clockwise, expanded canvas,
// as rotate_expanded makes it) back to the original image.
cv::Mat rotate_expanded(const cv::Mat& img, double deg, cv::Matx23d* to_rotated);
Detection map_detection(const Detection& d, const cv::Matx23d& m);

}  // namespace portrait::face
