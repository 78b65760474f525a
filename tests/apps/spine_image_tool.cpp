// Image helper for the out-of-tree plugin test (a CMake script cannot draw or read pixels):
//   spine_image_tool make FILE WIDTH HEIGHT GREY       writes a uniform grey image
//   spine_image_tool check-vignette FILE GREY STRENGTH checks the vignette plugin's output:
//     centre unchanged, corners GREY * (1 - STRENGTH), in between by the squared radius
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <opencv2/imgcodecs.hpp>

int main(int argc, char** argv) {
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "make" && argc == 6) {
        cv::Mat m(std::atoi(argv[4]), std::atoi(argv[3]), CV_8UC3, cv::Scalar::all(std::atoi(argv[5])));
        return cv::imwrite(argv[2], m) ? 0 : 1;
    }
    if (cmd == "check-vignette" && argc == 5) {
        const cv::Mat m = cv::imread(argv[2], cv::IMREAD_UNCHANGED);
        if (m.empty() || m.type() != CV_8UC3) {
            std::fprintf(stderr, "%s: not an 8-bit colour image\n", argv[2]);
            return 1;
        }
        const double grey = std::atof(argv[3]), strength = std::atof(argv[4]);
        const double cx = (m.cols - 1) / 2.0, cy = (m.rows - 1) / 2.0, rmax = std::hypot(cx, cy);
        int bad = 0;
        for (int y = 0; y < m.rows; ++y)
            for (int x = 0; x < m.cols; ++x) {
                const double r = std::hypot(x - cx, y - cy) / rmax;
                const double want = grey * (1 - strength * r * r);
                for (int c = 0; c < 3; ++c)
                    if (std::abs(m.at<cv::Vec3b>(y, x)[c] - want) > 1.0 && bad++ < 5)
                        std::fprintf(stderr, "pixel %d,%d: %d, expected %.1f\n", x, y, m.at<cv::Vec3b>(y, x)[c], want);
            }
        std::printf("%s: %dx%d, corner %d, centre %d, %d pixel(s) off\n", argv[2], m.cols, m.rows,
                    m.at<cv::Vec3b>(0, 0)[0], m.at<cv::Vec3b>(m.rows / 2, m.cols / 2)[0], bad);
        return bad == 0 ? 0 : 1;
    }
    std::fprintf(stderr, "usage: spine_image_tool make FILE W H GREY | check-vignette FILE GREY STRENGTH\n");
    return 2;
}
