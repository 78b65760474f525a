// OpenCV images (BGR, 8/16-bit, 1/3/4 channels) to QImage for display.
#pragma once

#include <QImage>
#include <opencv2/core.hpp>

namespace portrait::studio {

// A deep copy in a display format (RGB888, ARGB32 for alpha, Grayscale8); null for an empty Mat.
QImage to_qimage(const cv::Mat& image);

}  // namespace portrait::studio
