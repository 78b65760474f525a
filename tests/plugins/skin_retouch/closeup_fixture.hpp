// The astronaut's face for the builtin retoucher's tests, at native size (face about 91 px
// wide) or enlarged k times as a close-up (filter sizes follow the face width, so the
// enlarged face exercises the sizes a close-up gets), with the stored mesh scaled along;
// and marks painted on the close-up (jewellery, a stud, highlights, spots) for the spot tests.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "skin_mask.hpp"
#include "test_support.hpp"

namespace skin_test {

struct FaceShot {
    cv::Mat image;                       // empty when astronaut.png is missing
    std::vector<portrait::Face> faces;   // one face, 468 landmarks
    std::vector<portrait::skin::FaceSkin> skins;
    float width = 0;                     // face width (234 - 454), px
};

inline FaceShot astronaut_shot(double k) {
    FaceShot s;
    const cv::Mat a = astronaut();
    if (a.empty()) return s;
    s.faces = astronaut_faces();
    if (k == 1.0) {
        s.image = a.clone();
    } else {
        cv::resize(a, s.image, {}, k, k, cv::INTER_CUBIC);
        for (auto& f : s.faces) {
            for (auto& q : f.landmarks) q *= float(k);
            f.box = {f.box.x * float(k), f.box.y * float(k), f.box.width * float(k), f.box.height * float(k)};
        }
    }
    for (const auto& f : s.faces) s.skins.push_back(portrait::skin::face_skin(s.image, f));
    if (!s.skins.empty()) s.width = s.skins[0].face_width;
    return s;
}

inline cv::Point2f landmark(const FaceShot& s, int i) { return s.faces[0].landmarks[std::size_t(i)]; }

// Paints a disc of `colour` (BGR) with a one-pixel antialiased edge; inside `inner` the
// colour is `core` instead (a stone in its setting).
inline void paint_disc(cv::Mat& img, cv::Point2f c, float r, cv::Vec3f colour, float inner = 0, cv::Vec3f core = {}) {
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
inline cv::Vec3f skin_at(const cv::Mat& img, cv::Point2f c) {
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

// A brownish spot: the photo's skin colour at `c` times (b, g, rd) per channel.
inline void paint_spot(cv::Mat& img, const cv::Mat& photo, cv::Point2f c, float r, float b, float g, float rd) {
    const cv::Vec3f s = skin_at(photo, c);
    paint_disc(img, c, r, {s[0] * b, s[1] * g, s[2] * rd});
}

// Largest change of any channel inside the disc (c, r).
inline double max_change(const cv::Mat& a, const cv::Mat& b, cv::Point2f c, float r) {
    cv::Mat where = cv::Mat::zeros(a.size(), CV_8U), d;
    cv::circle(where, c, int(std::ceil(r)), 255, cv::FILLED);
    cv::absdiff(a, b, d);
    double mx = 0;
    std::vector<cv::Mat> ch;
    cv::split(d, ch);
    cv::minMaxLoc(cv::max(cv::max(ch[0], ch[1]), ch[2]), nullptr, &mx, nullptr, nullptr, where);
    return mx;
}

struct Mark {
    const char* what;
    cv::Point2f c;
    float r;
};

// The close-up with things a spot finder reacts to that are not blemishes, and blemishes.
struct MarkedShot {
    cv::Mat painted;
    std::vector<Mark> objects;     // face jewels and a stud: never retouched
    std::vector<Mark> highlights;  // catchlights and a lip glint: never retouched
    std::vector<Mark> spots;       // dark brownish spots: removed
};

// The marks' colours are chosen here, not read from the stage.
inline MarkedShot paint_marks(const FaceShot& s) {
    MarkedShot m;
    const float W = s.width;
    m.painted = s.image.clone();
    // Face jewels: a gold and a blue stone in a dark setting, 3.6 % of the face across.
    const float rj = 0.018f * W;
    m.objects = {{"gold jewel", landmark(s, 205), rj}, {"blue jewel", landmark(s, 411), rj},
                 {"metal stud", landmark(s, 347), 0.012f * W}};
    paint_disc(m.painted, m.objects[0].c, rj, {35, 35, 35}, 0.65f * rj, {40, 170, 230});
    paint_disc(m.painted, m.objects[1].c, rj, {35, 35, 35}, 0.65f * rj, {220, 120, 40});
    {  // the stud: a grey dome with a dark edge and a white glint up left
        const Mark& k = m.objects[2];
        paint_disc(m.painted, k.c, k.r, {70, 70, 75}, 0.7f * k.r, {175, 175, 180});
        paint_disc(m.painted, k.c - cv::Point2f(0.3f * k.r, 0.3f * k.r), 0.3f * k.r, {250, 250, 250});
    }
    // Catchlights in both eyes (between the lids) and a glint on the lower lip.
    const float rh = std::max(1.5f, 0.008f * W);
    m.highlights = {{"right eye", 0.5f * (landmark(s, 159) + landmark(s, 145)), rh},
                    {"left eye", 0.5f * (landmark(s, 386) + landmark(s, 374)), rh},
                    {"lower lip", 0.5f * (landmark(s, 14) + landmark(s, 17)), rh}};
    for (const auto& h : m.highlights) paint_disc(m.painted, h.c, h.r, {250, 250, 250});
    // Blemishes: dark brownish discs, 2.4 % of the face across.
    const float rs = 0.012f * W;
    m.spots = {{"cheek spot", landmark(s, 118), rs}, {"chin spot", landmark(s, 199), rs},
               {"forehead spot", landmark(s, 9), rs}, {"left cheek spot", landmark(s, 266), rs}};
    for (const auto& k : m.spots) paint_spot(m.painted, s.image, k.c, k.r, 0.70f, 0.70f, 0.80f);
    return m;
}

inline cv::Mat grey32(const cv::Mat& bgr) {
    cv::Mat g, f;
    cv::cvtColor(bgr, g, cv::COLOR_BGR2GRAY);
    g.convertTo(f, CV_32F);
    return f;
}

}  // namespace skin_test
