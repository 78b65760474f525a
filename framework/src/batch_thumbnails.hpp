// The HTML report's pictures of one image, written into its thumbnails folder: the whole
// image before and after (320 px), and each face before and after at 100%, so a change
// too small to see in a thumbnail of a group photo shows. Internal to framework/src.
#pragma once

#include <cstddef>
#include <filesystem>

#include <opencv2/core.hpp>

#include "portrait/runtime/batch.hpp"

namespace portrait {

// The part of the output a face's crops show: its box enlarged 1.4x about its centre,
// clipped to the image.
cv::Rect face_crop_region(const cv::Rect& face, cv::Size image);

// Writes "<index>-before.jpg", "<index>-after.jpg" and "<index>-faceN-before/after.jpg"
// (JPEG q85) into `dir` and records them, relative to the report's folder, in `item`.
// `before` is the decoded input (orientation applied), `after` the output; face boxes come
// from item.report.face_boxes (output pixels). Throws on a write error.
void write_report_pictures(BatchItem& item, const std::filesystem::path& dir, std::size_t index,
                           const cv::Mat& before, const cv::Mat& after);

}  // namespace portrait
