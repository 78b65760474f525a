// The vignette stage's own test, with portrait's stage harness (portrait/testing.hpp):
// the plugin file as portrait loads it, parameters from a YAML snippet, pixels and log
// checked. No test framework needed; exit status 0 = passed.
#include <portrait/testing.hpp>

#include <cstdio>
#include <string>

namespace {

int failures = 0;

void expect(bool ok, const std::string& what) {
    if (!ok) {
        std::fprintf(stderr, "FAILED: %s\n", what.c_str());
        ++failures;
    }
}

}  // namespace

int main() {
    // 301x201: the centre is a pixel, the corners are at squared distance 1.
    const cv::Mat grey(201, 301, CV_8UC3, cv::Scalar::all(128));
    portrait::testing::StageHarness h(VIGNETTE_SO, "vignette", "{strength: 0.5}");
    const portrait::Frame f = h.process(grey);
    expect(f.image.at<cv::Vec3b>(100, 150) == cv::Vec3b(128, 128, 128), "the centre is unchanged");
    expect(f.image.at<cv::Vec3b>(0, 0) == cv::Vec3b(64, 64, 64), "a corner is darkened by strength 0.5");
    expect(f.stats.at("vignette.strength") == 0.5, "the strength is reported");
    expect(h.log().find("vignette strength 0.5") != std::string::npos, "the stage logged its strength: " + h.log());

    // A strength out of range is refused as a pipeline would refuse it.
    try {
        portrait::testing::StageHarness bad(VIGNETTE_SO, "vignette", "{strength: 2}");
        expect(false, "strength 2 was accepted");
    } catch (const std::exception& e) {
        expect(std::string(e.what()).find("strength") != std::string::npos, std::string("the error names it: ") + e.what());
    }
    if (failures == 0) std::printf("vignette_test: passed\n");
    return failures == 0 ? 0 : 1;
}
