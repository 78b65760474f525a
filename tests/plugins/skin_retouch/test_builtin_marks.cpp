// Blemish removal on the astronaut's face enlarged 3x (a close-up, face about 274 px wide)
// with marks painted on: jewellery and a metal stud must be left, dark skin-hued spots
// removed, highlights in the eyes and on the lip unchanged, and faint small spots kept when
// keep_freckles is on (blemish_guard.hpp; docs/stages/skin_retouch.md, "Which spots are
// removed"). The marks' colours are chosen here, not read from the stage.
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

cv::Point2f at(const skin_test::FaceShot& s, int landmark) { return s.faces[0].landmarks[std::size_t(landmark)]; }

// Paints a disc of `colour` (BGR) with a one-pixel antialiased edge; inside `inner` the
// colour is `core` instead (a stone in its setting).
void disc(cv::Mat& img, cv::Point2f c, float r, cv::Vec3f colour, float inner = 0, cv::Vec3f core = {}) {
    for (int y = int(c.y - r - 2); y <= int(c.y + r + 2); ++y)
        for (int x = int(c.x - r - 2); x <= int(c.x + r + 2); ++x) {
            const float d = std::hypot(x - c.x, y - c.y);
            const float a = std::clamp(r + 0.5f - d, 0.f, 1.f);
            if (a <= 0) continue;
            const float ai = std::clamp(inner + 0.5f - d, 0.f, 1.f);
            cv::Vec3b& p = img.at<cv::Vec3b>(y, x);
            for (int ch = 0; ch < 3; ++ch) {
                const float want = ai * core[ch] + (1 - ai) * colour[ch];
                p[ch] = cv::saturate_cast<uchar>(p[ch] + a * (want - p[ch]));
            }
        }
}

// The skin's colour around `c` (median of a 5x5 patch per channel, from the unpainted photo).
cv::Vec3f skin_at(const cv::Mat& img, cv::Point2f c) {
    cv::Vec3f out;
    for (int ch = 0; ch < 3; ++ch) {
        std::vector<uchar> v;
        for (int y = -2; y <= 2; ++y)
            for (int x = -2; x <= 2; ++x) v.push_back(img.at<cv::Vec3b>(int(c.y) + y, int(c.x) + x)[ch]);
        std::nth_element(v.begin(), v.begin() + 12, v.end());
        out[ch] = v[12];
    }
    return out;
}

// A brownish spot: darker than the skin, a little more so in blue and green.
void spot(cv::Mat& img, const cv::Mat& photo, cv::Point2f c, float r, float b, float g, float rd) {
    const cv::Vec3f s = skin_at(photo, c);
    disc(img, c, r, {s[0] * b, s[1] * g, s[2] * rd});
}

// Ring mean minus centre mean of the grey image: how much a spot stands out.
double contrast(const cv::Mat& img, cv::Point2f c, float r) {
    const cv::Mat g = skin_test::grey32(img);
    cv::Mat centre = cv::Mat::zeros(img.size(), CV_8U), ring = centre.clone();
    cv::circle(centre, c, std::max(1, int(r)), 255, cv::FILLED);
    cv::circle(ring, c, int(3.5f * r) + 2, 255, cv::FILLED);
    cv::circle(ring, c, int(2.5f * r) + 1, 0, cv::FILLED);
    return cv::mean(g, ring)[0] - cv::mean(g, centre)[0];
}

// Largest change of any channel inside the disc (c, r).
double max_change(const cv::Mat& a, const cv::Mat& b, cv::Point2f c, float r) {
    cv::Mat where = cv::Mat::zeros(a.size(), CV_8U), d;
    cv::circle(where, c, int(std::ceil(r)), 255, cv::FILLED);
    cv::absdiff(a, b, d);
    double mx = 0;
    std::vector<cv::Mat> ch;
    cv::split(d, ch);
    cv::minMaxLoc(cv::max(cv::max(ch[0], ch[1]), ch[2]), nullptr, &mx, nullptr, nullptr, where);
    return mx;
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
    cv::Mat painted = s.image.clone();
    struct Mark {
        const char* what;
        cv::Point2f c;
        float r;
    };
    // Face jewels: a gold and a blue stone in a dark setting, 3.6 % of the face across.
    const float rj = 0.018f * W;
    const std::vector<Mark> objects = {{"gold jewel", at(s, 205), rj}, {"blue jewel", at(s, 411), rj},
                                       {"metal stud", at(s, 347), 0.012f * W}};
    disc(painted, objects[0].c, rj, {35, 35, 35}, 0.65f * rj, {40, 170, 230});
    disc(painted, objects[1].c, rj, {35, 35, 35}, 0.65f * rj, {220, 120, 40});
    {  // the stud: a grey dome with a dark edge and a white glint up left
        const Mark& m = objects[2];
        disc(painted, m.c, m.r, {70, 70, 75}, 0.7f * m.r, {175, 175, 180});
        disc(painted, m.c - cv::Point2f(0.3f * m.r, 0.3f * m.r), 0.3f * m.r, {250, 250, 250});
    }
    // Catchlights in both eyes (between the lids) and a glint on the lower lip.
    const float rh = std::max(1.5f, 0.008f * W);
    const std::vector<Mark> highlights = {{"right eye", 0.5f * (at(s, 159) + at(s, 145)), rh},
                                          {"left eye", 0.5f * (at(s, 386) + at(s, 374)), rh},
                                          {"lower lip", 0.5f * (at(s, 14) + at(s, 17)), rh}};
    for (const auto& h : highlights) disc(painted, h.c, h.r, {250, 250, 250});
    // Blemishes: dark brownish discs, 2.4 % of the face across.
    const float rs = 0.012f * W;
    const std::vector<Mark> spots = {{"cheek spot", at(s, 118), rs}, {"chin spot", at(s, 199), rs},
                                     {"forehead spot", at(s, 9), rs}, {"left cheek spot", at(s, 266), rs}};
    for (const auto& m : spots) spot(painted, s.image, m.c, m.r, 0.70f, 0.70f, 0.80f);

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
    for (const auto& c : freckles) spot(painted, s.image, c, rf, 0.86f, 0.89f, 0.93f);
    // One large dark spot that keep_freckles must not protect.
    const cv::Point2f big = at(s, 199);
    const float rb = 0.015f * W;
    spot(painted, s.image, big, rb, 0.65f, 0.65f, 0.75f);

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
