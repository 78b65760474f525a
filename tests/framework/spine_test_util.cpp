#include "spine_test_util.hpp"

#include <fstream>
#include <random>
#include <stdexcept>

#include <unistd.h>

namespace spine {

const portrait::PluginRegistry& test_registry() {
    static portrait::PluginRegistry* r = [] {
        auto* reg = new portrait::PluginRegistry();  // plugins are never unloaded
        if (!reg->load_file(SPINE_STAGES_SO)) throw std::runtime_error("cannot load " SPINE_STAGES_SO);
        return reg;
    }();
    return *r;
}

portrait::ResolvedPipeline resolve(const std::string& yaml, const std::string& file) {
    return portrait::validate_pipeline(portrait::parse_pipeline(yaml, file), test_registry());
}

cv::Mat photo(int width, int height, int seed) {
    cv::Mat img(height, width, CV_8UC3);
    std::mt19937 rng{unsigned(seed)};
    std::uniform_int_distribution<int> noise(0, 40);
    for (int y = 0; y < height; ++y)
        for (int x = 0; x < width; ++x)
            img.at<cv::Vec3b>(y, x) = cv::Vec3b(cv::saturate_cast<uchar>(40 + 150 * x / width + noise(rng)),
                                                cv::saturate_cast<uchar>(60 + 120 * y / height + noise(rng)),
                                                cv::saturate_cast<uchar>(90 + noise(rng) * 2));
    return img;
}

void write_text(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
}

}  // namespace spine
