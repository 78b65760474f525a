#include "studio_test_util.hpp"

#include <cstdlib>
#include <fstream>

#include <QProcess>
#include <QStringList>
#include <opencv2/imgcodecs.hpp>

#include "portrait/runtime/logging.hpp"

namespace studio_test {
namespace fs = std::filesystem;

fs::path pipelines() { return STUDIO_TEST_PIPELINES; }

fs::path astronaut() {
    const fs::path p = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png";
    return fs::exists(p) ? p : fs::path();
}

fs::path default_pipeline() { return fs::path(PORTRAIT_SOURCE_DIR_FOR_TESTS) / "pipelines" / "default.yaml"; }

std::vector<portrait::studio::FeatureSpec> test_features() {
    return {
        {"warm", "Warmth", "warm", "tone", "warmth", true, "test: the warm tone stage", {}},
        {"bright", "Brightness", "bright", "tone", "exposure", false, "test: the bright tone stage", {}},
        {"slow", "Slow stage", "slow", "studio_slow", "seconds", false, "test: waits until cancelled", {}},
    };
}

void write_png(const fs::path& file, int w, int h, int seed) {
    cv::Mat img(h, w, CV_8UC3);
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x)
            img.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar((x * 3 + seed) % 256), uchar((y * 4 + seed) % 256), uchar((x + y) % 256));
    cv::imwrite(file.string(), img);
}

int run_cli(const std::vector<std::string>& args, std::string* output) {
    QProcess p;
    QStringList a;
    for (const auto& s : args) a << QString::fromStdString(s);
    p.setProcessChannelMode(QProcess::MergedChannels);
    p.start(QString(PORTRAIT_EXE), a);
    if (!p.waitForFinished(300000)) return -1;
    if (output) *output = p.readAll().toStdString();
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}

double max_diff(const cv::Mat& a, const cv::Mat& b) {
    if (a.size() != b.size() || a.type() != b.type()) return -1;
    return cv::norm(a, b, cv::NORM_INF);
}

void init_test_logging() { portrait::init_logging({"warn", {}, true}); }

ScopedEnv::ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* v = std::getenv(name)) {
        had_ = true;
        old_ = v;
    }
    if (value) setenv(name, value, 1);
    else unsetenv(name);
}

ScopedEnv::~ScopedEnv() {
    if (had_) setenv(name_.c_str(), old_.c_str(), 1);
    else unsetenv(name_.c_str());
}

void touch(const fs::path& file) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << "placeholder";
}

}  // namespace studio_test
