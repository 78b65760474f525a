#include "skin_mask.hpp"

#include <algorithm>
#include <cmath>

#include <opencv2/imgproc.hpp>

#include "mesh_regions.hpp"
#include "skin_colour_model.hpp"

namespace portrait::skin {
namespace {

// Fractions of the face width (ear to ear, about 2.3x the eye distance).
constexpr float kMarginFrac = 0.12f;     // ROI margin around the oval
constexpr float kFeatureGrowFrac = 0.025f;  // eyes/brows/lips/nostrils grown by this much
constexpr float kFeatherFrac = 0.02f;    // mask edge softness (Gaussian sigma)
constexpr float kSampleRadiusFrac = 0.05f;  // colour-model sample discs
// Colour weight never drops below this inside the oval: shadows and blush stay skin
// enough to be smoothed a little, while hair and glasses frames (far off) drop out.
constexpr float kColourFloor = 0.0f;
constexpr float kMaskFaceWidth = 320.f;  // px: face width the mask is built at, at most

cv::Rect clip(cv::Rect r, cv::Size s) { return r & cv::Rect(0, 0, s.width, s.height); }

cv::Mat feather(const cv::Mat& hard, float sigma) {
    cv::Mat m;
    if (sigma < 0.5f) return hard.clone();
    // Erode by half a sigma first so most of the soft edge stays inside the outline.
    const int e = std::max(1, int(std::lround(0.5f * sigma)));
    cv::erode(hard, m, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * e + 1, 2 * e + 1}));
    cv::GaussianBlur(m, m, cv::Size(), sigma);
    return m;
}

}  // namespace

FaceSkin face_skin(const cv::Mat& bgr, const Face& face) {
    FaceSkin out;
    const cv::Size size = bgr.size();
    const bool mesh = face.landmarks.size() >= std::size_t(kMeshPoints);
    std::vector<cv::Point2f> oval_f;
    if (mesh) {
        for (int i : face_oval_outline()) oval_f.push_back(face.landmarks[std::size_t(i)]);
        out.face_width = std::max(face_width(face.landmarks), 1.f);
    } else {
        out.face_width = std::max(face.box.width, 1.f);
    }
    const cv::Rect2f base = mesh ? cv::Rect2f(cv::boundingRect(oval_f)) : face.box;
    const float margin = kMarginFrac * out.face_width;
    out.roi = clip(cv::Rect(int(std::floor(base.x - margin)), int(std::floor(base.y - margin)),
                            int(std::ceil(base.width + 2 * margin)), int(std::ceil(base.height + 2 * margin))),
                   size);
    out.from_mesh = mesh;
    if (out.roi.empty()) return out;

    // The mask is smooth: build it with the face at most kMaskFaceWidth px wide and
    // enlarge it, so its cost does not grow with the photo's resolution.
    const float sc = std::min(1.f, kMaskFaceWidth / out.face_width);
    const float W = out.face_width * sc;
    cv::Mat crop = bgr(out.roi);
    if (sc < 1.f) cv::resize(crop, crop, cv::Size(), sc, sc, cv::INTER_AREA);
    auto to_small = [&](cv::Point2f p) { return cv::Point2f((p.x - out.roi.x) * sc, (p.y - out.roi.y) * sc); };
    std::vector<cv::Point2f> lm;
    if (mesh)
        for (const auto& p : face.landmarks) lm.push_back(to_small(p));
    cv::Mat hard = cv::Mat::zeros(crop.size(), CV_32F);
    SkinColourModel colour;
    if (mesh) {
        cv::fillPoly(hard, std::vector<std::vector<cv::Point>>{outline_points(lm, face_oval_outline())},
                     cv::Scalar(1), cv::LINE_8);
        cv::Mat features = cv::Mat::zeros(crop.size(), CV_8U);
        for (const auto& o : non_skin_outlines())
            cv::fillPoly(features, std::vector<std::vector<cv::Point>>{outline_points(lm, o)}, cv::Scalar(255),
                         cv::LINE_8);
        if (sc < 1.f)
            cv::resize(features, out.features, out.roi.size(), 0, 0, cv::INTER_NEAREST);
        else
            out.features = features.clone();
        const int g = std::max(1, int(std::lround(kFeatureGrowFrac * W)));
        cv::dilate(features, features, cv::getStructuringElement(cv::MORPH_ELLIPSE, {2 * g + 1, 2 * g + 1}));
        hard.setTo(0, features);
        std::vector<cv::Point2f> samples;
        for (int i : skin_sample_points()) samples.push_back(lm[std::size_t(i)]);
        colour.fit_landmarks(crop, samples, kSampleRadiusFrac * W);
    } else {
        const cv::Point2f c = to_small({face.box.x + face.box.width / 2, face.box.y + face.box.height / 2});
        cv::ellipse(hard, cv::RotatedRect(c, cv::Size2f(face.box.width * 0.9f * sc, face.box.height * 1.1f * sc), 0),
                    cv::Scalar(1), cv::FILLED, cv::LINE_8);
        colour.fit_landmarks(crop, {c + cv::Point2f(0, face.box.height * 0.1f * sc)}, 0.15f * face.box.width * sc);
    }
    if (colour.fitted()) {
        cv::Mat prob = colour.probability(crop);
        prob = prob * (1 - kColourFloor) + kColourFloor;
        hard = hard.mul(prob);
    }
    out.mask = feather(hard, kFeatherFrac * W);
    if (sc < 1.f) cv::resize(out.mask, out.mask, out.roi.size(), 0, 0, cv::INTER_LINEAR);
    return out;
}

cv::Mat faces_skin_mask(cv::Size size, const std::vector<FaceSkin>& faces) {
    cv::Mat m = cv::Mat::zeros(size, CV_8U);
    for (const auto& f : faces) {
        if (f.roi.empty()) continue;
        cv::Mat m8;
        f.mask.convertTo(m8, CV_8U, 255.0);
        cv::Mat dst = m(f.roi);
        cv::max(dst, m8, dst);
    }
    return m;
}

cv::Mat person_skin_mask(const cv::Mat& bgr, const std::vector<Face>& faces, const std::vector<FaceSkin>& skins) {
    cv::Mat m = faces_skin_mask(bgr.size(), skins);
    for (std::size_t i = 0; i < faces.size() && i < skins.size(); ++i) {
        const Face& f = faces[i];
        const float w = skins[i].face_width;
        const cv::Rect2f b = f.box;
        // Neck and shoulders: 2.4 face widths wide, from the eyes to 2 face heights below the chin.
        const cv::Rect region = clip(cv::Rect(int(b.x + b.width / 2 - 1.2f * w), int(b.y + 0.3f * b.height),
                                              int(2.4f * w), int(b.height * 2.7f)),
                                     bgr.size());
        if (region.empty()) continue;
        SkinColourModel colour;
        cv::Mat fm = skins[i].mask.empty() ? cv::Mat() : skins[i].mask > 0.9f;
        if (fm.empty() || !colour.fit(bgr(skins[i].roi), fm)) continue;
        // Stricter than inside the face: outside the mesh only colour speaks.
        cv::Mat prob = colour.probability(bgr(region), 2.0f, 3.5f), p8;
        cv::GaussianBlur(prob, prob, cv::Size(), std::max(1.f, 0.02f * w));
        // Only confident matches: stray near-grey pixels of dark clothes and shadows stay out.
        prob = cv::max(prob * 2.f - 1.f, 0.f);
        prob.convertTo(p8, CV_8U, 255.0);
        cv::Mat dst = m(region);
        cv::max(dst, p8, dst);
    }
    return m;
}

}  // namespace portrait::skin
