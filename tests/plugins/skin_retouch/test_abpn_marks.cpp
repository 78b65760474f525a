// spot_guard on the ABPN path (abpn_spot_guard.hpp), on the painted close-up of
// closeup_fixture.hpp: face jewels, a stud and highlights that the detection net marks must
// stay out of the inpainting holes, the painted blemishes must still be filled, and
// spot_guard off must inpaint everything marked, as the original does. The recipe detector's
// weights are synthetic and what it marks on a face is arbitrary, so the detection here is a
// stand-in that marks a disc over every painted mark (and one large patch).
#include <gtest/gtest.h>

#include <cstdio>

#include <torch/script.h>

#include "abpn_crop.hpp"
#include "abpn_networks.hpp"
#include "abpn_retouch.hpp"
#include "abpn_spot_guard.hpp"
#include "closeup_fixture.hpp"

namespace fs = std::filesystem;
namespace sk = portrait::skin;

namespace {

constexpr double kZoom = 3.0;

struct Scene {
    skin_test::FaceShot shot;
    skin_test::MarkedShot marks;
    cv::Rect crop;
    cv::Mat marked;  // CV_8U crop-sized: what the stand-in detection marks
    std::vector<skin_test::Mark> patches;
};

// A disc a little larger than the mark, as a detector's blob covers the mark and its edge.
void mark_disc(cv::Mat& m, cv::Point2f c, float r) {
    cv::circle(m, cv::Point(int(std::lround(c.x)), int(std::lround(c.y))), int(std::ceil(1.3f * r + 1)), 255,
               cv::FILLED);
}

Scene scene() {
    Scene sc;
    sc.shot = skin_test::astronaut_shot(kZoom);
    if (sc.shot.image.empty()) return sc;
    sc.marks = skin_test::paint_marks(sc.shot);
    const float W = sc.shot.width;
    // An acne patch as the net marks one: wider than the guard judges (0.12 W), left to the net.
    sc.patches = {{"forehead patch", skin_test::landmark(sc.shot, 151), 0.08f * W}};
    sc.crop = sk::abpn_crop_box(sc.shot.faces[0].box, sc.shot.image.size());
    sc.marked = cv::Mat::zeros(sc.crop.size(), CV_8U);
    const cv::Point2f o(float(sc.crop.x), float(sc.crop.y));
    for (const auto* list : {&sc.marks.objects, &sc.marks.highlights, &sc.marks.spots})
        for (const auto& m : *list) mark_disc(sc.marked, m.c - o, m.r);
    for (const auto& p : sc.patches)  // drawn exactly: its size decides whether it is judged
        cv::circle(sc.marked, cv::Point(int(p.c.x - o.x), int(p.c.y - o.y)), int(p.r), 255, cv::FILLED);
    return sc;
}

// Share of the marked pixels inside the mark's detection disc that `leave` covers.
double left_share(const Scene& sc, const cv::Mat& leave, const skin_test::Mark& m) {
    cv::Mat disc = cv::Mat::zeros(sc.crop.size(), CV_8U);
    mark_disc(disc, m.c - cv::Point2f(float(sc.crop.x), float(sc.crop.y)), m.r);
    disc &= sc.marked;
    const int n = cv::countNonZero(disc);
    return n == 0 ? 0.0 : double(cv::countNonZero(disc & leave)) / n;
}

// A TorchScript detector whose logits are `marked` (+10 marked, -10 elsewhere) at the
// network's 768x768 input size, whatever the image.
fs::path mask_detector(const cv::Mat& marked, const fs::path& file) {
    cv::Mat m768;
    cv::resize(marked, m768, {768, 768}, 0, 0, cv::INTER_NEAREST);
    torch::Tensor logits = torch::from_blob(m768.data, {1, 1, 768, 768}, torch::kUInt8).to(torch::kFloat32);
    logits = (logits > 0).to(torch::kFloat32) * 20 - 10;
    torch::jit::Module det("MaskDetector");
    det.register_attribute("training", c10::BoolType::get(), false);
    det.register_buffer("logits", logits);
    det.define("def forward(self, x):\n    return self.logits\n");
    det.save(file.string());
    return file;
}

}  // namespace

TEST(AbpnSpotGuard, LeavesJewelleryStudAndHighlightsOfADetectionFillsSpotsPassesPatches) {
    const Scene sc = scene();
    if (sc.shot.image.empty()) GTEST_SKIP() << "astronaut.png not found (apt-get install python3-skimage)";
    const cv::Mat crop_bgr = sc.marks.painted(sc.crop);
    sk::GuardStats st;
    const cv::Mat leave = sk::abpn_spots_to_leave(crop_bgr, sc.marked, sc.crop, sc.shot.skins[0], false, &st);
    std::printf("%d blemishes, %d unjudged, %d left (%d bright, %d not skin, %d features, %d no reference)\n",
                st.blemishes, st.unjudged, st.kept(), st.bright, st.not_skin, st.features, st.no_reference);
    EXPECT_EQ(cv::countNonZero(leave & ~sc.marked), 0) << "only marked pixels can be left";
    for (const auto* list : {&sc.marks.objects, &sc.marks.highlights}) {
        for (const auto& m : *list) {
            const double share = left_share(sc, leave, m);
            std::printf("  %s: %.0f %% of its marked pixels left\n", m.what, 100 * share);
            EXPECT_EQ(share, 1.0) << m.what << " would be inpainted";
        }
    }
    for (const auto& m : sc.marks.spots) {
        const double share = left_share(sc, leave, m);
        std::printf("  %s: %.0f %% left\n", m.what, 100 * share);
        EXPECT_EQ(share, 0.0) << m.what << " would not be inpainted";
    }
    for (const auto& m : sc.patches) {
        cv::Mat p = cv::Mat::zeros(sc.crop.size(), CV_8U);
        cv::circle(p, cv::Point(int(m.c.x - sc.crop.x), int(m.c.y - sc.crop.y)), int(m.r), 255, cv::FILLED);
        EXPECT_EQ(cv::countNonZero(p & leave), 0) << m.what << " was judged; the net's patches are its own";
    }
    EXPECT_EQ(st.unjudged, 1);
    EXPECT_EQ(st.blemishes, int(sc.marks.spots.size()));
    EXPECT_EQ(st.kept(), 6);
}

TEST(AbpnSpotGuard, KeepFrecklesReachesTheGuard) {
    skin_test::FaceShot s = skin_test::astronaut_shot(kZoom);
    if (s.image.empty()) GTEST_SKIP() << "astronaut.png not found (apt-get install python3-skimage)";
    // The freckles of test_builtin_marks.cpp: 1.8 % of the face across, about 10 % darker.
    const float rf = 0.009f * s.width;
    const cv::Rect crop = sk::abpn_crop_box(s.faces[0].box, s.image.size());
    cv::Mat painted = s.image.clone(), marked = cv::Mat::zeros(crop.size(), CV_8U);
    const int spots[] = {205, 118, 101, 50, 425, 280, 266, 330};
    for (int i : spots) {
        const cv::Point2f c = skin_test::landmark(s, i);
        skin_test::paint_spot(painted, s.image, c, rf, 0.86f, 0.89f, 0.93f);
        mark_disc(marked, c - cv::Point2f(float(crop.x), float(crop.y)), rf);
    }
    int n_marked = 0;
    {
        cv::Mat labels;
        n_marked = cv::connectedComponents(marked, labels) - 1;
    }
    ASSERT_EQ(n_marked, 8);
    for (const bool keep : {false, true}) {
        sk::GuardStats st;
        const cv::Mat leave = sk::abpn_spots_to_leave(painted(crop), marked, crop, s.skins[0], keep, &st);
        cv::Mat labels;
        const int n_left = cv::connectedComponents(leave, labels) - 1;
        std::printf("keep_freckles %d: %d of 8 freckles left (%d judged freckles, %d blemishes)\n", keep, n_left,
                    st.freckles, st.blemishes);
        if (keep)
            EXPECT_GE(n_left, 4) << "keep_freckles kept too few";
        else
            EXPECT_EQ(n_left, 0) << "freckles are blemishes unless keep_freckles";
    }
}

TEST(AbpnSpotGuard, MarksStayOutOfTheInpaintingHolesWhenOn) {
    std::string why;
    const fs::path models = skin_test::recipe_models(&why);
    if (models.empty()) GTEST_SKIP() << why;
    const Scene sc = scene();
    if (sc.shot.image.empty()) GTEST_SKIP() << "astronaut.png not found (apt-get install python3-skimage)";
    const fs::path d = models / "skin-retouching";
    sk::AbpnModelFiles files{d / "detection_net.pt", d / "inpainting_net.pt", d / "generator.pt"};
    const sk::AbpnModelFiles recipe = files;
    files.detection = mask_detector(sc.marked, models.parent_path() / "abpn_marks_detector.pt");
    sk::AbpnNetworks nets(files, {});

    // degree 0 makes the blend layer the identity (mg = 0.5: pred = x), so what changes is
    // what the inpainting step filled, up to the final truncation's one level.
    sk::AbpnOptions off, on;
    off.degree = on.degree = 0;
    on.spot_guard = true;
    const cv::Mat& img = sc.marks.painted;
    cv::Mat out_off = img.clone(), out_on = img.clone();
    const sk::AbpnFaceStats s_off = sk::abpn_retouch_face(nets, img, out_off, sc.crop, off, &sc.shot.skins[0]);
    const sk::AbpnFaceStats s_on = sk::abpn_retouch_face(nets, img, out_on, sc.crop, on, &sc.shot.skins[0]);
    std::printf("crop %dx%d, %d tiles; spots left: off %d, on %d\n", sc.crop.width, sc.crop.height, s_on.tiles,
                s_off.spots_left, s_on.spots_left);
    EXPECT_EQ(s_off.spots_left, 0);
    EXPECT_EQ(s_on.spots_left, 6);
    for (const auto* list : {&sc.marks.objects, &sc.marks.highlights}) {
        for (const auto& m : *list) {
            const double a = skin_test::max_change(img, out_off, m.c, m.r), b = skin_test::max_change(img, out_on, m.c, m.r);
            std::printf("  %s: largest change %.0f guard off, %.0f on\n", m.what, a, b);
            EXPECT_GT(a, 10.0) << m.what << ": the stand-in detection should have it inpainted without the guard";
            EXPECT_LE(b, 1.0) << m.what << " was inpainted with spot_guard on";
        }
    }
    for (const auto& m : sc.marks.spots) {
        const double a = skin_test::max_change(img, out_off, m.c, m.r), b = skin_test::max_change(img, out_on, m.c, m.r);
        std::printf("  %s: largest change %.0f guard off, %.0f on\n", m.what, a, b);
        EXPECT_GT(b, 10.0) << m.what << " not inpainted with spot_guard on";
    }
    // Away from the marks nothing differs between on and off but for what was inpainted.
    cv::Mat holes;
    cv::dilate(sc.marked, holes, cv::Mat(), {-1, -1}, 2);
    cv::Mat diff;
    cv::absdiff(out_off(sc.crop), out_on(sc.crop), diff);
    cv::cvtColor(diff, diff, cv::COLOR_BGR2GRAY);
    double far = 0;
    cv::minMaxLoc(diff, nullptr, &far, nullptr, nullptr, ~holes);
    EXPECT_EQ(far, 0) << "the guard changed pixels outside the marked spots";

    // The recipe detector itself, for the record: its synthetic weights mark arbitrary areas.
    sk::AbpnNetworks real(recipe, {});
    {
        c10::InferenceMode guard;
        cv::Mat rgb;
        cv::resize(img(sc.crop), rgb, {768, 768}, 0, 0, cv::INTER_LINEAR);
        cv::cvtColor(rgb, rgb, cv::COLOR_BGR2RGB);
        const torch::Tensor x =
            torch::from_blob(rgb.data, {1, 768, 768, 3}, torch::kUInt8).permute({0, 3, 1, 2}).to(torch::kFloat32) /
                127.5 - 1;
        const torch::Tensor m = (torch::sigmoid(real.detect(x)) >= 0.35f)[0][0].to(torch::kUInt8).contiguous();
        const cv::Mat mm(768, 768, CV_8U, m.data_ptr<uint8_t>());
        cv::Mat labels;
        std::printf("recipe detector on the close-up: %.1f %% of the crop marked, %d regions\n",
                    100.0 * cv::countNonZero(mm) / mm.total(), cv::connectedComponents(mm, labels) - 1);
    }
    cv::Mat out_real = img.clone();
    const sk::AbpnFaceStats s_real = sk::abpn_retouch_face(real, img, out_real, sc.crop, on, &sc.shot.skins[0]);
    std::printf("recipe detector with spot_guard: %d of %d tiles inpainted, %d spots left\n", s_real.tiles_run,
                s_real.tiles, s_real.spots_left);
}

TEST(AbpnSpotGuard, StageReportsSpotsLeftOnlyWhenOn) {
    std::string why;
    const fs::path models = skin_test::recipe_models(&why);
    if (models.empty()) GTEST_SKIP() << why;
    const cv::Mat photo = skin_test::astronaut();
    if (photo.empty()) GTEST_SKIP() << "astronaut.png not found";
    for (const bool on : {false, true}) {
        auto st = skin_test::plugin_stage("skin_retouch", "skin_retouch",
                                          std::string("{backend: abpn, whitening: 0.0, spot_guard: ") +
                                              (on ? "true" : "false") + "}",
                                          {models});
        portrait::Frame f;
        f.image = photo.clone();
        f.faces = skin_test::astronaut_faces();
        st->process(f);
        EXPECT_EQ(f.stats.at("skin_retouch.backend_abpn"), 1);
        EXPECT_EQ(f.stats.count("skin_retouch.spots_left"), on ? 1u : 0u) << "spot_guard " << on;
    }
}
