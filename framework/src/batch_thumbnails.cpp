#include "batch_thumbnails.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "portrait/runtime/errors.hpp"

namespace portrait {
namespace fs = std::filesystem;

namespace {

constexpr int kThumbSide = 320;
constexpr int kCropSide = 512;  // a larger face is scaled down (and the report says so)
constexpr double kCropMargin = 1.4;

// Any depth, one or four channels: the 8-bit BGR a JPEG needs.
cv::Mat to_bgr8(const cv::Mat& img) {
    cv::Mat m = img;
    if (m.depth() != CV_8U) m.convertTo(m, CV_8U, 1.0 / 257.0);
    if (m.channels() == 1) cv::cvtColor(m, m, cv::COLOR_GRAY2BGR);
    if (m.channels() == 4) cv::cvtColor(m, m, cv::COLOR_BGRA2BGR);
    return m;
}

// Whole-image thumbnails are for finding an image; face crops are for judging the edit at
// 100%, so they keep more of the pixels (pore-scale texture is what a user looks at there).
constexpr int kThumbQuality = 85, kCropQuality = 95;

void write_jpeg(const fs::path& file, const cv::Mat& bgr8, int quality) {
    std::vector<unsigned char> buf;
    if (!cv::imencode(".jpg", bgr8, buf, {cv::IMWRITE_JPEG_QUALITY, quality}))
        throw ImageError(file.string() + ": cannot encode");
    write_file_atomic(file, buf);
}

cv::Mat resized(const cv::Mat& m, cv::Size to) {
    if (m.size() == to) return m;
    cv::Mat out;
    cv::resize(m, out, to, 0, 0, to.area() < m.size().area() ? cv::INTER_AREA : cv::INTER_CUBIC);
    return out;
}

}  // namespace

cv::Rect face_crop_region(const cv::Rect& face, cv::Size image) {
    const double cx = face.x + face.width / 2.0, cy = face.y + face.height / 2.0;
    const double w = face.width * kCropMargin, h = face.height * kCropMargin;
    const cv::Rect r(cv::Point(int(std::floor(cx - w / 2)), int(std::floor(cy - h / 2))),
                     cv::Point(int(std::ceil(cx + w / 2)), int(std::ceil(cy + h / 2))));
    return r & cv::Rect(cv::Point(0, 0), image);
}

void write_report_pictures(BatchItem& item, const fs::path& dir, std::size_t index, const cv::Mat& before_any,
                           const cv::Mat& after_any) {
    const cv::Mat before = to_bgr8(before_any), after = to_bgr8(after_any);
    char stem[32];
    std::snprintf(stem, sizeof stem, "%06zu", index);
    auto rel = [&](const std::string& name) { return (dir.filename() / name).generic_string(); };

    const double s = std::min(1.0, double(kThumbSide) / std::max(after.cols, after.rows));
    const cv::Size thumb(std::max(1, int(std::lround(after.cols * s))), std::max(1, int(std::lround(after.rows * s))));
    write_jpeg(dir / (std::string(stem) + "-before.jpg"), resized(before, thumb), kThumbQuality);
    write_jpeg(dir / (std::string(stem) + "-after.jpg"), resized(after, thumb), kThumbQuality);
    item.thumb_before = rel(std::string(stem) + "-before.jpg");
    item.thumb_after = rel(std::string(stem) + "-after.jpg");
    item.thumb_size = thumb;

    // Input pixels per output pixel (a stage may have enlarged the image).
    const double fx = double(before.cols) / after.cols, fy = double(before.rows) / after.rows;
    const auto& boxes = item.report.face_boxes;
    for (std::size_t i = 0; i < boxes.size() && i < std::size_t(kMaxFaceCrops); ++i) {
        BatchItem::FaceCrop c;
        c.face = boxes[i];
        c.region = face_crop_region(boxes[i], after.size());
        if (c.region.empty()) continue;
        const double k = std::min(1.0, double(kCropSide) / std::max(c.region.width, c.region.height));
        c.shown = cv::Size(std::max(1, int(std::lround(c.region.width * k))),
                           std::max(1, int(std::lround(c.region.height * k))));
        const cv::Rect in_region = cv::Rect(cv::Point(int(std::floor(c.region.x * fx)), int(std::floor(c.region.y * fy))),
                                            cv::Point(int(std::ceil(c.region.br().x * fx)),
                                                      int(std::ceil(c.region.br().y * fy)))) &
                                   cv::Rect(cv::Point(0, 0), before.size());
        if (in_region.empty()) continue;
        const std::string name = std::string(stem) + "-face" + std::to_string(i + 1);
        write_jpeg(dir / (name + "-before.jpg"), resized(before(in_region), c.shown), kCropQuality);
        write_jpeg(dir / (name + "-after.jpg"), resized(after(c.region), c.shown), kCropQuality);
        c.before = rel(name + "-before.jpg");
        c.after = rel(name + "-after.jpg");
        item.face_crops.push_back(c);
    }
}

}  // namespace portrait
