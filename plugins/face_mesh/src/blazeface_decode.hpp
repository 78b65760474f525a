// BlazeFace raw output -> detections (MediaPipe TensorsToDetections + weighted NMS).
// Pure arithmetic on float arrays, no model or image involved.
#pragma once

#include <array>
#include <vector>

#include <opencv2/core/types.hpp>

#include "ssd_anchors.hpp"

namespace portrait::face {

// MediaPipe FaceKeyPoint order; "right" is the subject's right (image left when upright).
enum BlazeKeypoint : int { kRightEye = 0, kLeftEye = 1, kNoseTip = 2, kMouth = 3, kRightEar = 4, kLeftEar = 5 };

struct Detection {
    cv::Rect2f box;                      // xmin, ymin, width, height (same units as keypoints)
    float score = 0.f;                   // sigmoid probability
    std::array<cv::Point2f, 6> keypoints{};
};

// Decodes `anchors.size()` detections. `logits[i]` is anchor i's score logit and
// `regressors + 16*i` its dx, dy, w, h, then 6 keypoint (x, y), all in input pixels relative
// to the anchor centre. Output coordinates are normalised to the input square (0..1).
// Keeps detections with sigmoid(clamp(logit, +-100)) >= min_score.
std::vector<Detection> decode_blazeface(const float* logits, const float* regressors,
                                        const std::vector<Anchor>& anchors, int input_size, float min_score);

float iou(const cv::Rect2f& a, const cv::Rect2f& b);

// MediaPipe WEIGHTED non-maximum suppression: highest score first, the group of detections
// overlapping it by IoU > threshold is replaced by their score-weighted mean box and
// keypoints, keeping the top score. Result sorted by score, descending.
std::vector<Detection> weighted_nms(std::vector<Detection> dets, float iou_threshold = 0.3f);

}  // namespace portrait::face
