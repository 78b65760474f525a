// Blemish removal on the astronaut's face enlarged 3x (a close-up, face about 274 px wide)
// with marks painted on (closeup_fixture.hpp): jewellery and a metal stud must be left, dark
// skin-hued spots removed, highlights in the eyes and on the lip unchanged, and faint small
// spots kept when keep_freckles is on (blemish_guard.hpp; docs/stages/skin_retouch.md, "Which
// spots are removed"). The marks' colours are chosen here, not read from the stage.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <opencv2/imgcodecs.hpp>

#include "builtin_retouch.hpp"
#include "closeup_fixture.hpp"

namespace sk = portrait::skin;

namespace {

constexpr double kZoom = 3.0;

using skin_test::max_change;
using skin_test::paint_spot;

cv::Point2f at(const skin_test::FaceShot& s, int landmark) { return skin_test::landmark(s, landmark); }

// Ring mean minus centre mean of the grey image: how much a spot stands out.
double contrast(const cv::Mat& img, cv::Point2f c, float r) {
    const cv::Mat g = skin_test::grey32(img);
    cv::Mat centre = cv::Mat::zeros(img.size(), CV_8U), ring = centre.clone();
    cv::circle(centre, c, std::max(1, int(r)), 255, cv::FILLED);
    cv::circle(ring, c, int(3.5f * r) + 2, 255, cv::FILLED);
    cv::circle(ring, c, int(2.5f * r) + 1, 0, cv::FILLED);
    return cv::mean(g, ring)[0] - cv::mean(g, centre)[0];
}

void save_crop(const char* name, const cv::Mat& img, cv::Rect r) {
    const char* dir = std::getenv("SKIN_CROPS_DIR");
    if (dir && *dir) cv::imwrite(std::string(dir) + "/" + name, img(r & cv::Rect({}, img.size())));
}

}  // namespace

TEST(BuiltinMarks, JewelleryStudAndHighlightsStaySpotsGo) {
    const skin_test::FaceShot s = skin_test::astronaut_shot(kZoom);
    if (s.image.empty()) GTEST_SKIP() << "astronaut.png not found (apt-get install python3-skimage)";
    const float W = s.width;
    const skin_test::MarkedShot marks = skin_test::paint_marks(s);
    const cv::Mat& painted = marks.painted;
    const auto &objects = marks.objects, &highlights = marks.highlights, &spots = marks.spots;

    cv::Mat out = painted.clone();
    const sk::BuiltinStats st = sk::builtin_retouch(out, s.skins, {});
    std::printf("face %.0f px: %d blemishes filled, %d spots left\n", W, st.blemishes, st.spots_left);
    for (const auto& m : objects) {
        const double d = max_change(painted, out, m.c, m.r);
        std::printf("%s: largest change inside %.0f\n", m.what, d);
        EXPECT_LE(d, 3.0) << m.what << " was retouched";
    }
    for (const auto& m : highlights) {
        const double d = max_change(painted, out, m.c, m.r);
        std::printf("%s highlight: largest change inside %.0f\n", m.what, d);
        EXPECT_LE(d, 1.0) << m.what << " highlight changed";
    }
    for (const auto& m : spots) {
        const double before = contrast(painted, m.c, m.r), after = contrast(out, m.c, m.r),
                     photo = contrast(s.image, m.c, m.r);
        std::printf("%s: contrast %.1f painted -> %.1f retouched (photo itself %.1f)\n", m.what, before, after, photo);
        EXPECT_GT(before, 20.0) << m.what;
        EXPECT_LT(after, 0.25 * before) << m.what << " not removed";
    }
    // 100 % crops of the right cheek (gold jewel, spot) and the left (stud, blue jewel, spot).
    const cv::Point2f a = at(s, 205), b = at(s, 411);
    const float top = at(s, 118).y - 0.05f * W;
    const cv::Rect cheeks(int(a.x - 0.08f * W), int(top), int(b.x - a.x + 0.16f * W), int(b.y + 0.06f * W - top));
    save_crop("cheeks_marks_before.png", painted, cheeks);
    save_crop("cheeks_marks_after.png", out, cheeks);
}

TEST(BuiltinMarks, KeepFrecklesLeavesSmallFaintSpots) {
    const skin_test::FaceShot s = skin_test::astronaut_shot(kZoom);
    if (s.image.empty()) GTEST_SKIP() << "astronaut.png not found (apt-get install python3-skimage)";
    const float W = s.width;
    // Freckles: 1.8 % of the face across, about 20 grey levels darker, brown.
    const float rf = 0.009f * W;
    std::vector<cv::Point2f> freckles;
    for (int i : {205, 118, 101, 50, 425, 280, 266, 330}) freckles.push_back(at(s, i));
    cv::Mat painted = s.image.clone();
    for (const auto& c : freckles) paint_spot(painted, s.image, c, rf, 0.86f, 0.89f, 0.93f);
    // One large dark spot that keep_freckles must not protect.
    const cv::Point2f big = at(s, 199);
    const float rb = 0.015f * W;
    paint_spot(painted, s.image, big, rb, 0.65f, 0.65f, 0.75f);

    for (const bool keep : {false, true}) {
        cv::Mat out = painted.clone();
        sk::BuiltinOptions opt;
        opt.keep_freckles = keep;
        const sk::BuiltinStats st = sk::builtin_retouch(out, s.skins, opt);
        std::printf("keep_freckles %d: %d blemishes filled, %d spots left\n", keep, st.blemishes, st.spots_left);
        double kept = 0, painted_sum = 0;
        for (const auto& c : freckles) {
            const double before = contrast(painted, c, rf), after = contrast(out, c, rf);
            std::printf("  freckle at (%.0f, %.0f): contrast %.1f -> %.1f\n", c.x, c.y, before, after);
            EXPECT_GT(before, 10.0);
            kept += after, painted_sum += before;
        }
        const double share = kept / painted_sum;
        const double big_before = contrast(painted, big, rb), big_after = contrast(out, big, rb);
        std::printf("  freckle contrast kept %.0f %%; large spot %.1f -> %.1f\n", 100 * share, big_before, big_after);
        if (keep)
            EXPECT_GT(share, 0.7) << "keep_freckles removed the freckles";
        else
            EXPECT_LT(share, 0.4) << "freckles are blemishes unless keep_freckles";
        EXPECT_LT(big_after, 0.25 * big_before) << "a large dark spot is no freckle";
        if (keep) {
            const cv::Point2f a = at(s, 205);
            const cv::Rect cheek(int(a.x - 0.12f * W), int(at(s, 118).y - 0.08f * W), int(0.24f * W), int(0.22f * W));
            save_crop("cheek_freckles_before.png", painted, cheek);
            save_crop("cheek_freckles_after_keep.png", out, cheek);
        }
    }
}
