#include "test_images.hpp"

#include <filesystem>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "face_analyzer.hpp"
#include "portrait/runtime/logging.hpp"
#include "portrait/runtime/model_locator.hpp"

namespace portrait::face::testing {

namespace fs = std::filesystem;

cv::Mat astronaut() {
    for (const char* p : {"/usr/lib/python3/dist-packages/skimage/data/astronaut.png",
                          "/usr/share/imageio/images/astronaut.png",
                          "/usr/lib/python3/dist-packages/imageio/resources/images/astronaut.png"})
        if (fs::exists(p)) return cv::imread(p, cv::IMREAD_COLOR);
    return {};
}

cv::Mat samples_photo() {
    const fs::path p = portrait::cache_dir() / "samples" / "samples.jpg";
    return fs::exists(p) ? cv::imread(p.string(), cv::IMREAD_COLOR) : cv::Mat();
}

ModelPaths cached_models() {
    const portrait::ModelLocator models;
    auto find = [&](const char* model, const char* file) {
        try {
            return models.find(model, file).string();
        } catch (const std::exception&) {
            return std::string();
        }
    };
    return {find("blazeface", "face_detection_front_128x128_barracuda.onnx"),
            find("blazeface", "face_detection_back_256x256_barracuda.onnx"), find("facemesh", "facemesh.onnx")};
}

std::string missing_models_message() {
    const ModelPaths m = cached_models();
    if (!m.front.empty() && !m.back.empty() && !m.mesh.empty()) return {};
    return "face models not in " + (portrait::cache_dir() / "models").string() +
           " (run: portrait models fetch blazeface facemesh)";
}

cv::Mat synthetic_group(std::vector<PlacedFace>* faces) {
    const cv::Mat a = astronaut();
    if (a.empty()) return {};
    // The astronaut's head: face about 92 px wide centred near (225, 120) in the 512 image.
    const cv::Rect head(145, 20, 160, 200);
    const float face_w = 92.f;
    const cv::Point2f face_c(225.f - head.x, 120.f - head.y);
    cv::Mat img(1080, 1920, CV_8UC3, cv::Scalar(120, 130, 140));
    cv::randn(img, cv::Scalar(120, 130, 140), cv::Scalar(12, 12, 12));
    cv::GaussianBlur(img, img, {0, 0}, 3);
    // (top-left x, y, scale): small faces across the frame and two cut by the border.
    const struct { int x, y; float s; } spots[] = {
        {100, 300, 0.5f}, {420, 320, 0.45f}, {700, 280, 0.55f}, {1000, 330, 0.4f}, {1300, 300, 0.5f},
        {1600, 340, 0.45f}, {250, 650, 0.6f}, {900, 700, 0.7f}, {1500, 680, 0.65f},
        {-30, 850, 0.6f},    // the left border cuts the hair and about a fifth of the face
        {1857, -30, 0.6f},   // the top-right corner cuts the forehead and a quarter of the face
    };
    faces->clear();
    for (const auto& s : spots) {
        cv::Mat h;
        cv::resize(a(head), h, {}, s.s, s.s, cv::INTER_AREA);
        cv::Rect dst(s.x, s.y, h.cols, h.rows);
        const cv::Rect clipped = dst & cv::Rect(0, 0, img.cols, img.rows);
        h(cv::Rect(clipped.x - dst.x, clipped.y - dst.y, clipped.width, clipped.height)).copyTo(img(clipped));
        faces->push_back({cv::Point2f(s.x + face_c.x * s.s, s.y + face_c.y * s.s), face_w * s.s});
    }
    return img;
}

}  // namespace portrait::face::testing
