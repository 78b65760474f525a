// The astronaut's face for the builtin retoucher's tests, at native size (face about 91 px
// wide) or enlarged k times as a close-up (filter sizes follow the face width, so the
// enlarged face exercises the sizes a close-up gets), with the stored mesh scaled along.
#pragma once

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

inline cv::Mat grey32(const cv::Mat& bgr) {
    cv::Mat g, f;
    cv::cvtColor(bgr, g, cv::COLOR_BGR2GRAY);
    g.convertTo(f, CV_32F);
    return f;
}

}  // namespace skin_test
