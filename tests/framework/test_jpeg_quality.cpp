// The quality a JPEG was written at, estimated from its quantisation tables (what
// `portrait run --quality auto` keeps): files written by libjpeg itself and by OpenCV's
// encoder (libjpeg-turbo underneath) at known qualities, colour and grey.
#include <cstring>
#include <vector>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "libjpeg_writer.hpp"
#include "portrait/runtime/image_io.hpp"

namespace {

// A real photo where Debian has one (python3-skimage), else a textured gradient.
cv::Mat photo() {
    cv::Mat img = cv::imread("/usr/lib/python3/dist-packages/skimage/data/astronaut.png", cv::IMREAD_COLOR);
    if (!img.empty()) return img;
    img.create(256, 320, CV_8UC3);
    cv::randu(img, 0, 255);
    cv::GaussianBlur(img, img, {0, 0}, 3);
    return img;
}

// Written with libjpeg's own API, as cjpeg and most programs do.
std::vector<unsigned char> libjpeg_write(const cv::Mat& bgr_or_grey, int quality) {
    const bool grey = bgr_or_grey.channels() == 1;
    const std::size_t row_bytes = std::size_t(bgr_or_grey.cols) * std::size_t(bgr_or_grey.channels());
    return portrait_test::libjpeg_write(bgr_or_grey.cols, bgr_or_grey.rows, grey ? 1 : 3,
                                        grey ? JCS_GRAYSCALE : JCS_EXT_BGR, quality,
                                        [&](int y, unsigned char* row) {
                                            std::memcpy(row, bgr_or_grey.ptr<unsigned char>(y), row_bytes);
                                        });
}

TEST(JpegQuality, FilesWrittenByLibjpegAtKnownQualities) {
    const cv::Mat img = photo();
    cv::Mat grey;
    cv::cvtColor(img, grey, cv::COLOR_BGR2GRAY);
    for (int q : {10, 30, 50, 60, 75, 85, 90, 95, 100}) {
        // IJG's scaling gives a different table for every quality, so the fit is exact.
        EXPECT_EQ(portrait::estimate_jpeg_quality(libjpeg_write(img, q)), q) << "colour, libjpeg, q" << q;
        EXPECT_EQ(portrait::estimate_jpeg_quality(libjpeg_write(grey, q)), q) << "grey, libjpeg, q" << q;
        std::vector<unsigned char> cv_bytes;
        ASSERT_TRUE(cv::imencode(".jpg", img, cv_bytes, {cv::IMWRITE_JPEG_QUALITY, q}));
        EXPECT_EQ(portrait::estimate_jpeg_quality(cv_bytes), q) << "colour, OpenCV, q" << q;
    }
}

TEST(JpegQuality, DecodeRecordsTheEstimate) {
    const auto bytes = libjpeg_write(photo(), 60);
    const auto h = portrait::probe_image(bytes, "q60.jpg");
    EXPECT_EQ(portrait::decode_image(bytes, h, "q60.jpg").jpeg_quality, 60);
    std::vector<unsigned char> png;
    ASSERT_TRUE(cv::imencode(".png", photo(), png));
    EXPECT_EQ(portrait::estimate_jpeg_quality(png), 0) << "not a JPEG";
    EXPECT_EQ(portrait::decode_image(png, portrait::probe_image(png, "p.png"), "p.png").jpeg_quality, 0);
}

TEST(JpegQuality, AutoKeepsAJpegInputsQualityOnly) {
    portrait::WriteOptions o;
    o.jpeg_quality_auto = true;
    portrait::DecodedImage jpeg, png;
    jpeg.jpeg_quality = 60;
    EXPECT_EQ(portrait::write_options_for(o, jpeg).jpeg_quality, 60);
    EXPECT_EQ(portrait::write_options_for(o, png).jpeg_quality, 95) << "the default for other inputs";
    o.jpeg_quality_auto = false;
    o.jpeg_quality = 80;
    EXPECT_EQ(portrait::write_options_for(o, jpeg).jpeg_quality, 80) << "a number forces it";
}

}  // namespace
