// How much face_slim visibly slims real faces, measured from the outside: the face mesh is fitted
// again on the slimmed photo and its lower-face width compared with the original's; the eyes
// and nose are tracked in the pixels (phase correlation); far background is compared bit by bit.
// The figures printed here are the ones quoted in docs/stages/face_slim.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include <opencv2/imgproc.hpp>

#include "face_analyzer.hpp"
#include "face_landmarks.hpp"
#include "face_slim.hpp"
#include "test_images.hpp"

using namespace portrait::face;
namespace pt = portrait::face::testing;

namespace {

// Lower-face width: the 10 symmetric pairs of oval points from ear level (234-454) down to
// the last pair before the chin (148-377), jaw angle 172-397 among them. Shrink per pair
// = 1 - width after / width before; the median over the pairs is what we quote.
double lower_face_shrink(const std::vector<cv::Point2f>& before, const std::vector<cv::Point2f>& after) {
    std::vector<double> s;
    for (int k = 8; k <= 17; ++k) {
        const int a = kFaceOval[std::size_t(k)], b = kFaceOval[std::size_t(36 - k)];
        s.push_back(1.0 - cv::norm(after[a] - after[b]) / cv::norm(before[a] - before[b]));
    }
    std::sort(s.begin(), s.end());
    return (s[4] + s[5]) / 2;
}

double face_width(const std::vector<cv::Point2f>& m) { return cv::norm(m[kMeshEarRight] - m[kMeshEarLeft]); }

// Largest movement of the eyes, brows and nose between the two images: phase correlation of a
// patch around each feature point (sub-pixel, from the pixels alone).
double feature_motion(const cv::Mat& before, const cv::Mat& after, const std::vector<cv::Point2f>& m) {
    cv::Mat g0, g1;
    cv::cvtColor(before, g0, cv::COLOR_BGR2GRAY);
    cv::cvtColor(after, g1, cv::COLOR_BGR2GRAY);
    g0.convertTo(g0, CV_32F), g1.convertTo(g1, CV_32F);
    const int half = std::max(8, int(0.12 * face_width(m)));
    double worst = 0;
    for (int i : {33, 133, 159, 145, 263, 362, 386, 374, 70, 105, 300, 334, 168, 6, 4, 1}) {
        cv::Rect r(int(m[i].x) - half, int(m[i].y) - half, 2 * half, 2 * half);
        r &= cv::Rect(0, 0, g0.cols, g0.rows);
        cv::Mat win;
        cv::createHanningWindow(win, r.size(), CV_32F);
        const cv::Point2d d = cv::phaseCorrelate(g0(r), g1(r), win);
        worst = std::max(worst, std::hypot(d.x, d.y));
    }
    return worst;
}

// Pixels farther than `margin` from every face's oval that differ between the images.
int changed_far_from_faces(const cv::Mat& a, const cv::Mat& b, const std::vector<std::vector<cv::Point2f>>& meshes,
                           double margin_widths) {
    cv::Mat near(a.size(), CV_8U, cv::Scalar(0));
    for (const auto& m : meshes) {
        std::vector<cv::Point> oval;
        for (int i : kFaceOval) oval.emplace_back(cv::Point(cvRound(m[i].x), cvRound(m[i].y)));
        cv::fillConvexPoly(near, oval, cv::Scalar(255));
        const int grow = int(std::ceil(margin_widths * face_width(m)));
        cv::dilate(near, near, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * grow + 1, 2 * grow + 1}));
    }
    cv::Mat diff;
    cv::absdiff(a, b, diff);
    cv::cvtColor(diff, diff, cv::COLOR_BGR2GRAY);
    diff.setTo(0, near);
    return cv::countNonZero(diff);
}

struct Measured {
    double shrink = 0, feature_px = 0, width = 0;
    int far_changed = -1;
    float strength_used = 0;
};

Measured slim_and_measure(FaceAnalyzer& an, const cv::Mat& img, std::size_t face, float strength) {
    const std::vector<FaceResult> found = an.analyze(img);
    std::vector<std::vector<cv::Point2f>> meshes;
    for (const auto& f : found) meshes.push_back(f.landmarks);
    Measured r;
    if (face >= meshes.size()) return r;
    SlimOptions o;  // the stage's defaults
    o.strength = strength;
    const SlimField field = slim_field(img.size(), meshes, o);
    const cv::Mat out = apply_slim(img, field);
    r.strength_used = field.strength;
    const auto& before = meshes[face];
    r.width = face_width(before);
    // The same face in the slimmed photo: the one whose nose tip is closest.
    const std::vector<FaceResult> again = an.analyze(out);
    const FaceResult* best = nullptr;
    for (const auto& f : again)
        if (!best || cv::norm(f.landmarks[kMeshNoseTip] - before[kMeshNoseTip]) <
                         cv::norm(best->landmarks[kMeshNoseTip] - before[kMeshNoseTip]))
            best = &f;
    if (!best) return r;
    r.shrink = lower_face_shrink(before, best->landmarks);
    r.feature_px = feature_motion(img, out, before);
    r.far_changed = changed_far_from_faces(img, out, meshes, 0.6);
    return r;
}

FaceAnalyzer& analyzer() {
    static FaceAnalyzer a(portrait::face::testing::cached_models(), AnalyzerOptions{});
    return a;
}

// The widest face of the photo (the samples screenshot holds several small ones).
std::size_t widest_face(const cv::Mat& img) {
    const auto faces = analyzer().analyze(img);
    std::size_t best = 0;
    for (std::size_t i = 1; i < faces.size(); ++i)
        if (face_width(faces[i].landmarks) > face_width(faces[best].landmarks)) best = i;
    return best;
}

void check_photo(const char* name, const cv::Mat& img) {
    const std::size_t face = widest_face(img);
    const Measured half = slim_and_measure(analyzer(), img, face, 0.5f);
    const Measured full = slim_and_measure(analyzer(), img, face, 1.0f);
    for (const auto* m : {&half, &full})
        std::printf("%s (face %.0f px wide) strength %.1f: lower face %.1f%% narrower, eyes/nose moved %.2f px "
                    "(%.2f%% of the width), %d pixels changed beyond 0.6 face widths\n",
                    name, m->width, m == &half ? 0.5 : 1.0, 100 * m->shrink, m->feature_px,
                    100 * m->feature_px / m->width, m->far_changed);
    // No safety back-off on a normal face: the numbers are those of the requested strength.
    EXPECT_FLOAT_EQ(half.strength_used, 0.5f);
    EXPECT_FLOAT_EQ(full.strength_used, 1.0f);
    // Visible at the default, clearly stronger at 1, and still a slimming, not a caricature.
    EXPECT_GE(half.shrink, 0.04);
    EXPECT_GE(full.shrink, half.shrink + 0.015);
    EXPECT_LT(full.shrink, 0.15);
    // Natural: the eyes, brows and nose stay where they were (under 1% of the face width).
    EXPECT_LT(half.feature_px, 0.01 * half.width);
    EXPECT_LT(full.feature_px, 0.02 * full.width);
    // The background away from the face is bit-identical.
    EXPECT_EQ(half.far_changed, 0);
    EXPECT_EQ(full.far_changed, 0);
}

}  // namespace

TEST(FaceSlimContour, AstronautLowerFaceNarrowsVisibly) {
    const std::string why = pt::missing_models_message();
    if (!why.empty()) GTEST_SKIP() << why;
    const cv::Mat img = pt::astronaut();
    if (img.empty()) GTEST_SKIP() << "astronaut.png not found (apt-get install python3-skimage)";
    check_photo("astronaut", img);
}

TEST(FaceSlimContour, GroupPhotoLowerFaceNarrowsVisibly) {
    const std::string why = pt::missing_models_message();
    if (!why.empty()) GTEST_SKIP() << why;
    const cv::Mat img = pt::samples_photo();
    if (img.empty()) GTEST_SKIP() << "samples.jpg not in the cache (models/fetch.sh facemesh)";
    check_photo("samples.jpg", img);
}
