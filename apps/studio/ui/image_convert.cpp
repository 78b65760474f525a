#include "image_convert.hpp"

#include <opencv2/imgproc.hpp>

namespace portrait::studio {

QImage to_qimage(const cv::Mat& image) {
    if (image.empty()) return {};
    cv::Mat m = image;
    if (m.depth() != CV_8U) m.convertTo(m, CV_8U, m.depth() == CV_16U ? 1.0 / 257.0 : 1.0);
    cv::Mat conv;
    QImage::Format format;
    switch (m.channels()) {
        case 1:
            conv = m;
            format = QImage::Format_Grayscale8;
            break;
        case 4:
            cv::cvtColor(m, conv, cv::COLOR_BGRA2RGBA);
            format = QImage::Format_RGBA8888;
            break;
        default:
            cv::cvtColor(m, conv, cv::COLOR_BGR2RGB);
            format = QImage::Format_RGB888;
            break;
    }
    QImage view(conv.data, conv.cols, conv.rows, int(conv.step), format);
    return view.copy();  // owns its pixels; `conv` goes away
}

}  // namespace portrait::studio
