// The stage against the original pipeline, image to image: a real photo, given face points,
// the recipe-weight networks of ../shared/fixtures (gpen_tiny, rrdbnet_tiny), and the
// original's output computed by its steps (gpen_reference.cpp). `scale: 2, background:
// realesrnet` with the default parameters must match it within 2 grey levels everywhere.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "enhance.hpp"
#include "gpen_reference.hpp"
#include "gpen_test_util.hpp"
#include "paste_mask.hpp"
#include "torch_models.hpp"

using namespace portrait;
using namespace portrait::gpen;
namespace fs = std::filesystem;

namespace {

const char* kPhoto = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png";

double psnr(const cv::Mat& a, const cv::Mat& b) {
    cv::Mat d;
    cv::absdiff(a, b, d);
    d.convertTo(d, CV_64F);
    const cv::Scalar sq = cv::sum(d.mul(d));
    const double mse = (sq[0] + sq[1] + sq[2] + sq[3]) / double(d.total() * d.channels());
    return mse == 0 ? INFINITY : 10 * std::log10(255.0 * 255.0 / mse);
}

// The real face and a second one the same points make when turned by 25 degrees, shrunk
// and moved so that the two paste masks overlap (the original's "largest mask wins").
std::vector<Face> astronaut_faces() {
    const std::vector<std::array<cv::Point2f, 5>> pts = gpen_test::read_align5(gpen_test::data_dir() / "astronaut_align5.txt");
    Face a;
    a.align5 = pts.at(0);
    a.has_align5 = true;
    Face b = a;
    const double t = 25 * CV_PI / 180, s = 0.75;
    const cv::Point2f c = a.align5[kNoseTip];
    for (auto& p : b.align5) {
        const cv::Point2f d = p - c;
        p = cv::Point2f(float(c.x + 70 + s * (std::cos(t) * d.x - std::sin(t) * d.y)),
                        float(c.y + 35 + s * (std::sin(t) * d.x + std::cos(t) * d.y)));
    }
    return {a, b};
}

}  // namespace

TEST(GpenParity, ScaleTwoRealesrnetMatchesTheOriginal) {
    const fs::path gpen_file = gpen_test::tiny_model("gpen_tiny"), sr_file = gpen_test::tiny_model("rrdbnet_tiny");
    if (gpen_file.empty() || sr_file.empty()) GTEST_SKIP() << "converted gpen_tiny / rrdbnet_tiny not available";
    const cv::Mat photo = cv::imread(kPhoto, cv::IMREAD_COLOR);
    if (photo.empty()) GTEST_SKIP() << "test photo " << kPhoto << " missing (python3-skimage)";
    const std::vector<Face> faces = astronaut_faces();

    // The original, step by step, on whole images.
    torch::jit::Module gpen_net = load_inference_module(gpen_file), sr_net = load_inference_module(sr_file);
    const int size = 64;
    const cv::Mat img_sr = gpen_ref::sr_process(photo, sr_net);
    std::vector<gpen_ref::Points> pts2x;
    for (const Face& f : faces) {
        gpen_ref::Points p;  // where the detector would find them on the bilinear 2x image
        for (int i = 0; i < 5; ++i) p[i] = {2.0 * f.align5[i].x + 0.5, 2.0 * f.align5[i].y + 0.5};
        pts2x.push_back(p);
    }
    gpen_ref::Options ro;
    ro.size = size;
    const cv::Mat want = gpen_ref::forward(photo, img_sr, pts2x, gpen_net, nullptr, ro);

    // The stage's algorithm with its default parameters (tiled RealESRNet, regions only).
    TorchFaceRestorer restorer(gpen_file, size);
    TorchUpsampler background(sr_file, 400, 32);
    EnhanceOptions opt;
    opt.scale = 2;
    const cv::Mat mask = make_paste_mask(size);
    const EnhanceResult got = enhance_faces(photo, faces, restorer, background, mask, opt);
    ASSERT_EQ(got.restored, 2);
    ASSERT_EQ(got.image.size(), want.size());

    cv::Mat bg_diff;
    cv::absdiff(background.upsample(photo, 2), img_sr, bg_diff);
    const double max_diff = cv::norm(got.image, want, cv::NORM_INF);
    cv::Mat diff;
    cv::absdiff(got.image, want, diff);
    std::cout << "stage vs original: max " << max_diff << " levels, " << cv::countNonZero(diff.reshape(1))
              << " of " << diff.total() * 3 << " values differ, PSNR " << psnr(got.image, want)
              << " dB (background alone, tiled vs whole: max " << cv::norm(bg_diff, cv::NORM_INF) << ")\n";
    EXPECT_LE(max_diff, 2.0);
    // The faces changed the image, so the comparison covers them.
    EXPECT_GT(cv::norm(want, img_sr, cv::NORM_INF), 50.0);

    // The deliberate differences, for the record: cropping from the working image and
    // keeping the face float are further from the original.
    EnhanceOptions ours = opt;
    ours.crop_from = CropSource::working;
    ours.truncate_face = false;
    const cv::Mat alt = enhance_faces(photo, faces, restorer, background, mask, ours).image;
    std::cout << "crop_from: working, face_precision: float vs original: max " << cv::norm(alt, want, cv::NORM_INF)
              << " levels, PSNR " << psnr(alt, want) << " dB\n";
    if (const char* dump = std::getenv("GPEN_PARITY_DUMP")) {
        cv::imwrite(std::string(dump) + "/original.png", want);
        cv::imwrite(std::string(dump) + "/stage.png", got.image);
        cv::Mat d;
        cv::absdiff(got.image, want, d);
        cv::imwrite(std::string(dump) + "/diff_x50.png", d * 50);
    }
}
