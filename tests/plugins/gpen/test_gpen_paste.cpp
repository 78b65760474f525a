// Paste-back: the mask's measured profile, identity restorers leave the image as it was,
// overlapping faces follow "largest mask wins", and the output has the scale's size.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "compositor.hpp"
#include "enhance.hpp"
#include "face_select.hpp"
#include "face_template.hpp"
#include "paste_mask.hpp"

using namespace portrait;
using namespace portrait::gpen;

namespace {

Face face_at(int size, double scale, cv::Point2d shift, double angle_deg = 0) {
    const Points5 t = gpen_template(size);
    const double a = angle_deg * CV_PI / 180.0;
    Face f;
    for (int i = 0; i < 5; ++i)
        f.align5[i] = cv::Point2f(float(scale * (std::cos(a) * t[i].x - std::sin(a) * t[i].y) + shift.x),
                                  float(scale * (std::sin(a) * t[i].x + std::cos(a) * t[i].y) + shift.y));
    f.has_align5 = true;
    const float side = float(size * scale * 0.5);
    f.box = cv::Rect2f(float(shift.x + size * scale * 0.25), float(shift.y + size * scale * 0.25), side, side);
    return f;
}

// Returns its input unchanged (as float).
class IdentityRestorer : public FaceRestorer {
public:
    explicit IdentityRestorer(int s) : s_(s) {}
    int size() const override { return s_; }
    std::vector<cv::Mat> restore(const std::vector<cv::Mat>& crops) override {
        std::vector<cv::Mat> out;
        for (const auto& c : crops) {
            cv::Mat f;
            c.convertTo(f, CV_32FC3);
            out.push_back(f);
        }
        ++calls;
        return out;
    }
    int calls = 0;

private:
    int s_;
};

// Paints the k-th face it sees with the k-th colour.
class ColourRestorer : public FaceRestorer {
public:
    ColourRestorer(int s, std::vector<cv::Scalar> colours) : s_(s), colours_(std::move(colours)) {}
    int size() const override { return s_; }
    std::vector<cv::Mat> restore(const std::vector<cv::Mat>& crops) override {
        std::vector<cv::Mat> out;
        for (std::size_t i = 0; i < crops.size(); ++i)
            out.emplace_back(s_, s_, CV_32FC3, colours_[seen_++ % colours_.size()]);
        return out;
    }

private:
    int s_;
    std::vector<cv::Scalar> colours_;
    std::size_t seen_ = 0;
};

cv::Mat textured(cv::Size size) {
    cv::Mat img(size, CV_8UC3);
    cv::RNG rng(7);
    rng.fill(img, cv::RNG::UNIFORM, 0, 256);
    return img;
}

}  // namespace

TEST(GpenMask, ProfileMatchesTheReference) {
    // Spec §3.8: about 0.535 at the rectangle edge, >= 0.99 from x >= 39, < 0.001 for x <= 9,
    // 0.287 at the corner (26,26).
    const cv::Mat m = make_paste_mask(512);
    ASSERT_EQ(m.type(), CV_32FC1);
    EXPECT_NEAR(m.at<float>(256, 26), 0.535, 0.005);
    EXPECT_GE(m.at<float>(256, 39), 0.99);
    // The spec rounds the tail: a sigma-4-twice blur of an edge at 25.5 gives 0.0018 at x = 9
    // and 0.0010 at x = 8 (the 0.535 and 0.287 above pin the edge and the sigma).
    EXPECT_LT(m.at<float>(256, 9), 0.002);
    EXPECT_LT(m.at<float>(256, 8), 0.0011);
    EXPECT_LT(m.at<float>(256, 0), 1e-5);
    EXPECT_NEAR(m.at<float>(26, 26), 0.287, 0.005);
    // The far edge is x = 486 (the original draws (26,26)-(486,486), both inclusive), so the
    // mask is symmetric about 256, not 255.5.
    EXPECT_NEAR(m.at<float>(256, 486), 0.535, 0.005);
    EXPECT_FLOAT_EQ(m.at<float>(256, 256 - 40), m.at<float>(256, 256 + 40));
    EXPECT_FLOAT_EQ(m.at<float>(26, 256), m.at<float>(486, 256));
    EXPECT_FLOAT_EQ(m.at<float>(256, 256), 1.f);
    // At 1024 the feather doubles (bilinear resize of the 512 mask).
    const cv::Mat m2 = make_paste_mask(1024);
    EXPECT_NEAR(m2.at<float>(512, 52), 0.535, 0.05);
    EXPECT_GE(m2.at<float>(512, 79), 0.99);
    // feather 0: a hard edge at the rectangle.
    const cv::Mat hard = make_paste_mask(512, 0.0);
    EXPECT_EQ(hard.at<float>(256, 25), 0.f);
    EXPECT_EQ(hard.at<float>(256, 26), 1.f);
    EXPECT_EQ(hard.at<float>(256, 486), 1.f);
    EXPECT_EQ(hard.at<float>(256, 487), 0.f);
}

TEST(GpenPaste, IdentityRestorerLeavesImageUnchanged) {
    // Scale-1 face at an integer offset, cropped from the image itself: crop and paste are
    // exact resamplings.
    const cv::Mat img = textured({700, 620});
    const Face f = face_at(512, 1.0, {60, 40});
    IdentityRestorer id(512);
    ResizeUpsampler none(cv::INTER_LINEAR);
    EnhanceOptions o;
    o.crop_from = CropSource::working;
    const EnhanceResult r = enhance_faces(img, {f}, id, none, make_paste_mask(512), o);
    EXPECT_EQ(r.restored, 1);
    ASSERT_EQ(r.faces.size(), 1u);
    EXPECT_EQ(r.faces[0].outcome, FaceOutcome::restored);
    EXPECT_EQ(r.faces[0].quality, -1);  // no gate
    EXPECT_LE(cv::norm(r.image, img, cv::NORM_INF), 1.0);
    // Cropped from the bilinear 2x image (the original's way, the default), the noise is
    // interpolated twice and no longer comes back as it was.
    const EnhanceResult u = enhance_faces(img, {f}, id, none, make_paste_mask(512), EnhanceOptions{});
    EXPECT_GT(cv::norm(u.image, img, cv::NORM_INF), 20.0);
}

TEST(GpenPaste, IdentityRestorerOnRotatedFaceWithinOneLevel) {
    // Any similarity: bilinear resampling reproduces a linear ramp, so only rounding remains,
    // also through the 2x image the default crops from (pixel centres must line up).
    cv::Mat img(400, 500, CV_8UC3);
    for (int y = 0; y < img.rows; ++y)
        for (int x = 0; x < img.cols; ++x)
            img.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x / 2), uchar(y / 2), uchar((x + y) / 4));
    const Face f = face_at(512, 0.43, {150, 90}, 21.0);
    IdentityRestorer id(512);
    ResizeUpsampler none(cv::INTER_LINEAR);
    const EnhanceResult r = enhance_faces(img, {f}, id, none, make_paste_mask(512), EnhanceOptions{});
    EXPECT_LE(cv::norm(r.image, img, cv::NORM_INF), 1.0);
}

TEST(GpenPaste, AlphaZeroKeepsTheOriginalFace) {
    const cv::Mat img = textured({600, 600});
    const Face f = face_at(512, 1.0, {40, 30});
    ColourRestorer red(512, {cv::Scalar(0, 0, 255)});
    ResizeUpsampler none(cv::INTER_LINEAR);
    EnhanceOptions o;
    o.crop_from = CropSource::working;
    o.alpha = 0.0;
    const EnhanceResult r = enhance_faces(img, {f}, red, none, make_paste_mask(512), o);
    EXPECT_LE(cv::norm(r.image, img, cv::NORM_INF), 1.0);
    // alpha 0.5 on a black image: the face centre is half red.
    const cv::Mat black(600, 600, CV_8UC3, cv::Scalar::all(0));
    o.alpha = 0.5;
    const EnhanceResult h = enhance_faces(black, {f}, red, none, make_paste_mask(512), o);
    const cv::Vec3b c = h.image.at<cv::Vec3b>(30 + 256, 40 + 256);
    EXPECT_EQ(c[0], 0);
    EXPECT_EQ(c[1], 0);
    EXPECT_NEAR(c[2], 128, 1);
}

TEST(GpenPaste, OverlappingFacesLargestMaskWins) {
    // Two faces overlapping by half; on black, out = colour * mask, so a pixel showing both
    // colours would mean cross-blending.
    const cv::Mat black(420, 700, CV_8UC3, cv::Scalar::all(0));
    const Face a = face_at(512, 0.6, {40, 50});   // crop square x in [40, 347]
    const Face b = face_at(512, 0.6, {200, 60});  // crop square x in [200, 507]
    ColourRestorer paint(512, {cv::Scalar(0, 0, 255), cv::Scalar(255, 0, 0)});  // BGR: red, blue
    ResizeUpsampler none(cv::INTER_LINEAR);
    const cv::Mat mask = make_paste_mask(512);
    const EnhanceResult r = enhance_faces(black, {a, b}, paint, none, mask, EnhanceOptions{});
    ASSERT_EQ(r.restored, 2);
    int red = 0, blue = 0;
    for (int y = 0; y < r.image.rows; ++y)
        for (int x = 0; x < r.image.cols; ++x) {
            const cv::Vec3b p = r.image.at<cv::Vec3b>(y, x);
            ASSERT_FALSE(p[0] > 0 && p[2] > 0) << "both faces blended at " << x << "," << y;
            red += p[2] > 0, blue += p[0] > 0;
        }
    EXPECT_GT(red, 10000);
    EXPECT_GT(blue, 10000);
    // Centres: each face owns its own; inside both masks' plateaus the earlier face keeps it.
    EXPECT_EQ(r.image.at<cv::Vec3b>(50 + 154, 40 + 100), cv::Vec3b(0, 0, 255));
    EXPECT_EQ(r.image.at<cv::Vec3b>(60 + 154, 200 + 200), cv::Vec3b(255, 0, 0));
    // Just inside face b's left feather (mask ~0.99) face a's plateau (1) is larger: red.
    EXPECT_EQ(r.image.at<cv::Vec3b>(60 + 154, 224), cv::Vec3b(0, 0, 255));
    // Inside face a's right feather (mask ~0.86) face b's plateau is larger: blue.
    EXPECT_EQ(r.image.at<cv::Vec3b>(60 + 154, 328), cv::Vec3b(255, 0, 0));
}

TEST(GpenPaste, ScaleSetsTheOutputSize) {
    const cv::Mat img = textured({331, 257});
    const Face f = face_at(512, 0.4, {20, 10});
    ColourRestorer green(512, {cv::Scalar(0, 255, 0)});
    for (int scale : {1, 2}) {
        ResizeUpsampler bicubic(cv::INTER_CUBIC);
        EnhanceOptions o;
        o.scale = scale;
        const EnhanceResult r = enhance_faces(img, {f}, green, bicubic, make_paste_mask(512), o);
        EXPECT_EQ(r.image.size(), cv::Size(331 * scale, 257 * scale));
        // The face lands at scale x its working position.
        EXPECT_EQ(r.image.at<cv::Vec3b>(int((10 + 0.4 * 256) * scale), int((20 + 0.4 * 256) * scale)),
                  cv::Vec3b(0, 255, 0));
    }
    // Without faces the background is still enlarged.
    ResizeUpsampler bilinear(cv::INTER_LINEAR);
    EnhanceOptions o;
    o.scale = 2;
    EXPECT_EQ(enhance_faces(img, {}, green, bilinear, make_paste_mask(512), o).image.size(), cv::Size(662, 514));
}

TEST(GpenPaste, BatchesFaces) {
    const cv::Mat img = textured({900, 300});
    std::vector<Face> faces;
    for (int i = 0; i < 5; ++i) faces.push_back(face_at(512, 0.3, {20.0 + 170 * i, 60}));
    IdentityRestorer id(512);
    ResizeUpsampler none(cv::INTER_LINEAR);
    EnhanceOptions o;
    o.batch = 2;
    const EnhanceResult r = enhance_faces(img, faces, id, none, make_paste_mask(512), o);
    EXPECT_EQ(r.restored, 5);
    EXPECT_EQ(id.calls, 3);
}

TEST(GpenSelect, FiltersBySizeCentreAndCount) {
    std::vector<Face> faces;
    const float sizes[4] = {30, 120, 80, 10};
    const float xs[4] = {10, 200, 600, 900};
    for (int i = 0; i < 4; ++i) {
        Face f;
        f.box = cv::Rect2f(xs[i], 100, sizes[i], sizes[i]);
        f.has_align5 = true;
        faces.push_back(f);
    }
    Face no_points;  // without align5 a face is never restored
    no_points.box = cv::Rect2f(400, 100, 200, 200);
    faces.push_back(no_points);
    const cv::Size img(1000, 400);
    FaceSelection s;
    EXPECT_EQ(select_faces(faces, img, s), (std::vector<int>{0, 1, 2, 3}));
    s.min_face_size = 20;
    EXPECT_EQ(select_faces(faces, img, s), (std::vector<int>{0, 1, 2}));
    s.max_faces = 2;
    EXPECT_EQ(select_faces(faces, img, s), (std::vector<int>{1, 2}));  // the two largest, detection order
    s = {};
    s.only_center_face = true;
    EXPECT_EQ(select_faces(faces, img, s), (std::vector<int>{2}));  // centre 640 nearest 500
}

namespace {
// Quality by call order (original crops only); features: the original crop's are (1, 0),
// every restored crop's are (cos a, sin a) with a chosen per face, so distance = (1 - cos a) / 2.
class ScriptedScorer : public FaceScorer {
public:
    ScriptedScorer(std::vector<double> quality, std::vector<double> angle) : q_(quality), a_(angle) {}
    FaceScore score(const cv::Mat& crop, ChannelOrder order) override {
        EXPECT_EQ(crop.size(), cv::Size(112, 112));
        orders.push_back(order);
        if (order == ChannelOrder::bgr) return {{1.f, 0.f}, q_.at(scored_++)};
        const double a = a_.at(restored_++);
        return {{float(std::cos(a)), float(std::sin(a))}, 1.0};
    }
    std::vector<ChannelOrder> orders;

private:
    std::vector<double> q_, a_;
    std::size_t scored_ = 0, restored_ = 0;
};
}  // namespace

TEST(GpenPaste, GateSkipsLowQualityBeforeTheNetworkAndDropsChangedIdentities) {
    const cv::Mat img = textured({900, 300});
    std::vector<Face> faces;
    for (int i = 0; i < 3; ++i) faces.push_back(face_at(512, 0.3, {20.0 + 250 * i, 60}));
    IdentityRestorer id(512);
    ResizeUpsampler none(cv::INTER_LINEAR);
    // face 0: quality 0.05 -> not restored; face 1: distance (1 - cos 0.5) / 2 = 0.061 -> kept
    // as restored; face 2: distance (1 - cos 1.2) / 2 = 0.319 -> dropped.
    ScriptedScorer gate({0.05, 0.1, 0.9}, {0.5, 1.2});
    EnhanceOptions o;
    o.batch = 3;
    const EnhanceResult r = enhance_faces(img, faces, id, none, make_paste_mask(512), o, &gate);
    ASSERT_EQ(r.faces.size(), 3u);
    EXPECT_EQ(r.faces[0].outcome, FaceOutcome::low_quality);
    EXPECT_EQ(r.faces[0].identity_distance, -1);
    EXPECT_EQ(r.faces[1].outcome, FaceOutcome::restored);  // quality exactly 0.1 passes (>=)
    EXPECT_NEAR(r.faces[1].identity_distance, (1 - std::cos(0.5)) / 2, 1e-6);
    EXPECT_EQ(r.faces[2].outcome, FaceOutcome::identity_changed);
    EXPECT_NEAR(r.faces[2].identity_distance, (1 - std::cos(1.2)) / 2, 1e-6);
    EXPECT_EQ(r.restored, 1);
    EXPECT_EQ(id.calls, 1);  // one network call, for the two faces that passed the quality check
    // Original crops as BGR first, then each restored crop as RGB.
    EXPECT_EQ(gate.orders, (std::vector<ChannelOrder>{ChannelOrder::bgr, ChannelOrder::bgr, ChannelOrder::bgr,
                                                       ChannelOrder::rgb, ChannelOrder::rgb}));
    // Faces 0 and 2 keep their pixels exactly; face 1 was pasted.
    const cv::Rect f0(20, 60, 154, 154), f1(270, 60, 154, 154), f2(520, 60, 154, 154);
    EXPECT_EQ(cv::norm(r.image(f0), img(f0), cv::NORM_INF), 0);
    EXPECT_GT(cv::norm(r.image(f1), img(f1), cv::NORM_INF), 0);
    EXPECT_EQ(cv::norm(r.image(f2), img(f2), cv::NORM_INF), 0);
}
