// What flows through a pipeline: the image at working resolution and what
// stages learn about it, so one face-mesh pass serves every later stage.
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "portrait/version.hpp"

namespace portrait {
inline namespace PORTRAIT_SDK_NAMESPACE {

// Landmark vocabulary for `Face::align5` (the five points GPEN aligns on).
enum Align5 : int { kLeftEye = 0, kRightEye = 1, kNoseTip = 2, kMouthLeft = 3, kMouthRight = 4 };

struct Face {
    cv::Rect2f box;                      // working-resolution pixels
    float score = 0.f;                   // detector confidence 0..1
    std::vector<cv::Point2f> keypoints;  // detector keypoints (BlazeFace: 6)
    std::vector<cv::Point2f> landmarks;  // dense mesh (FaceMesh: 468), empty if no mesh ran
    std::array<cv::Point2f, 5> align5{}; // eye centres, nose tip, mouth corners ("left" = image left)
    bool has_align5 = false;
    float mesh_confidence = 0.f;         // mesh face flag 0..1
};

struct Frame {
    // CV_8UC3, BGR, working resolution. Stages change it in place or replace it
    // with an image of the same size and type.
    cv::Mat image;
    std::vector<Face> faces;
    // Named masks at working resolution, CV_8UC1 0..255 or CV_32FC1 0..1 (e.g. "skin").
    std::map<std::string, cv::Mat> masks;
    // A stage that moves pixels (a warp) sets this to its backward map, CV_32FC2 at
    // working resolution: output(p) = input(warp(p)) in working pixels. The host then
    // applies the same warp to the full-resolution image instead of transferring
    // a difference, which keeps detail sharp. The host clears it after each stage.
    cv::Mat warp;
    // Working size / original size (<= 1). Original size of the decoded input.
    double scale = 1.0;
    cv::Size original_size;
    std::string source;  // input path, for messages
    // Per-image facts stages report (e.g. "faces" -> 2); they end up in the batch report.
    std::map<std::string, double> stats;
    // A stage that enlarges the image (super-resolution) sets this to its integer factor
    // k >= 2 and returns `image` at exactly k x the working size (each side rounded).
    // The host then enlarges the full-resolution image by k (bicubic) and carries the
    // stage's change onto it, and scales faces, masks and original_size by k, so later
    // stages see a consistent frame at the new size. The host resets it to 1 before each stage.
    int output_scale = 1;
    // Things the user must hear about this image that are not failures (e.g. "face 2 kept
    // as it was: identity distance 0.31 > 0.15"). They end up in the batch item's warnings,
    // the reports and the log. Appended, never cleared, by stages.
    std::vector<std::string> warnings;
};

}  // namespace PORTRAIT_SDK_NAMESPACE
}  // namespace portrait
