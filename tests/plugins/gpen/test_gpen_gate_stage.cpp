// The EQFace gate through the host, on a real face with the recipe-weight EQFace: auto/on/off,
// and each face's outcome (restored, not restored for quality, kept for identity) in the
// report's stats and warnings, with the numbers the original's own steps give
// (gpen_reference.cpp: its two 112-px crops and channel flips).
#include <gtest/gtest.h>

#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <spdlog/sinks/ostream_sink.h>

#include "gpen_reference.hpp"
#include "gpen_stage_fixture.hpp"
#include "gpen_test_util.hpp"
#include "portrait/runtime/logging.hpp"
#include "torch_models.hpp"

using namespace portrait;
namespace fs = std::filesystem;

namespace {

const char* kPhoto = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png";

std::string fixed3(double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%.3f", v);
    return b;
}

class GpenGateStage : public gpen_test::StageTest {
protected:
    void SetUp() override {
        StageTest::SetUp();
        eqface_ = gpen_test::tiny_model("eqface");
        photo_ = cv::imread(kPhoto, cv::IMREAD_COLOR);
        gpen_ = gpen_test::write_module(dir_ / "models", "gpen-512", "  return x\n");  // GPEN that changes nothing
        const auto pts = gpen_test::read_align5(gpen_test::data_dir() / "astronaut_align5.txt");
        face_ = pts.at(0);
    }
    bool ready(std::string& why) const {
        if (eqface_.empty()) why = "recipe EQFace model not built (convert_tiny_models.sh, ../shared missing?)";
        if (photo_.empty()) why = std::string("test photo ") + kPhoto + " missing (python3-skimage)";
        return why.empty();
    }
    void link_eqface() { fs::create_directory_symlink(eqface_.parent_path(), dir_ / "models" / "eqface"); }
    std::string stages(const std::string& gpen_params) const {
        return "  - stage: test_faces\n    params:\n      points: \"" + gpen_test::points_param(face_) +
               "\"\n  - stage: gpen\n    params:\n" + gpen_params;
    }

    // What the original computes for this face: its gate crops, scored with its flips.
    struct Expected {
        double quality, distance;
        double distance_crop_rgb, distance_restored_bgr;  // each channel-order trap the wrong way
    };
    Expected expected() {
        torch::jit::Module eq = gpen::load_inference_module(eqface_), gp = gpen::load_inference_module(gpen_);
        cv::Mat img;
        cv::resize(photo_, img, photo_.size() * 2);
        gpen_ref::Points p;
        for (int i = 0; i < 5; ++i) p[i] = {2.0 * face_[i].x + 0.5, 2.0 * face_[i].y + 0.5};
        cv::Matx23d tfm, inv, tfm112, inv112;
        gpen_ref::get_params(gpen_ref::template_for(512), p, tfm, inv);
        gpen_ref::get_params(gpen_ref::template_112(), p, tfm112, inv112);
        cv::Mat of, of112, of_rgb, of112_rgb, ef112, ef112_flipped;
        cv::warpAffine(img, of, cv::Mat(tfm), {512, 512}, 3);
        cv::warpAffine(img, of112, cv::Mat(tfm112), {112, 112}, 3);
        cv::cvtColor(of, of_rgb, cv::COLOR_BGR2RGB);
        cv::cvtColor(of112, of112_rgb, cv::COLOR_BGR2RGB);
        const cv::Mat ef = gpen_ref::enhance_face(of_rgb, gp);
        cv::resize(ef(cv::Range(70, 446), cv::Range(64, 440)), ef112, {112, 112});
        cv::cvtColor(ef112, ef112_flipped, cv::COLOR_BGR2RGB);
        const auto o = gpen_ref::get_face_quality(of112_rgb, eq), e = gpen_ref::get_face_quality(ef112, eq);
        const auto o_wrong = gpen_ref::get_face_quality(of112, eq);
        const auto e_wrong = gpen_ref::get_face_quality(ef112_flipped, eq);
        return {o.quality, gpen_ref::pdist_cosine_mean(o.feature, e.feature),
                gpen_ref::pdist_cosine_mean(o_wrong.feature, e.feature),
                gpen_ref::pdist_cosine_mean(o.feature, e_wrong.feature)};
    }

    fs::path eqface_, gpen_;
    cv::Mat photo_;
    std::array<cv::Point2f, 5> face_;
};

}  // namespace

TEST_F(GpenGateStage, AutoWithoutTheModelIsOffAndSaysSoOnce) {
    if (photo_.empty()) GTEST_SKIP() << kPhoto << " missing";
    std::ostringstream log;
    auto logger = named_logger("stage.gpen");
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log);
    logger->sinks().push_back(sink);
    auto r = runner(stages("      quality_gate: auto\n"));
    ImageReport a, b;
    r->process(photo_, "a", a);
    r->process(photo_, "b", b);
    logger->sinks().pop_back();
    ASSERT_TRUE(a.ok && b.ok) << a.error << b.error;
    const std::string text = log.str();
    const auto first = text.find("quality gate off: model 'eqface' not found");
    ASSERT_NE(first, std::string::npos) << text;
    EXPECT_EQ(text.find("quality gate off", first + 1), std::string::npos) << "said more than once:\n" << text;
    EXPECT_EQ(a.stats["gpen.faces_restored"], 1);
    EXPECT_EQ(a.stats.count("gpen.faces_skipped_quality"), 0u);
    EXPECT_TRUE(a.warnings.empty());
}

TEST_F(GpenGateStage, OnWithoutTheModelRefusesToStart) {
    try {
        runner(stages("      quality_gate: \"on\"\n"));
        FAIL() << "quality_gate: on started without the EQFace model";
    } catch (const std::runtime_error& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("quality_gate: on needs model 'eqface'"), std::string::npos) << m;
        EXPECT_NE(m.find((dir_ / "models" / "eqface" / "model.pt").string()), std::string::npos) << m;
        EXPECT_NE(m.find("portrait models convert eqface SOURCE"), std::string::npos) << m;
        EXPECT_EQ(m.find("python3"), std::string::npos) << "the stage names the CLI's command, not a Python path:\n" << m;
    }
}

TEST_F(GpenGateStage, LowQualityFaceIsNotRestoredAndSaid) {
    std::string why;
    if (!ready(why)) GTEST_SKIP() << why;
    link_eqface();
    const Expected want = expected();
    // The recipe weights rate this real face far below the original's 0.1.
    ASSERT_LT(want.quality, 0.1);
    auto r = runner(stages("      quality_gate: auto\n"));
    ImageReport rep;
    const cv::Mat out = r->process(photo_, "astronaut", rep);
    ASSERT_TRUE(rep.ok) << rep.error;
    EXPECT_EQ(rep.stats["gpen.faces_restored"], 0);
    EXPECT_EQ(rep.stats["gpen.faces_skipped_quality"], 1);
    EXPECT_EQ(rep.stats["gpen.faces_kept_identity"], 0);
    EXPECT_NEAR(rep.stats["gpen.face1.quality"], want.quality, 1e-6);
    EXPECT_EQ(rep.stats.count("gpen.face1.identity_distance"), 0u);  // never restored, never compared
    ASSERT_EQ(rep.warnings.size(), 1u);
    EXPECT_EQ(rep.warnings[0], "gpen: face 1 not restored: EQFace quality " + fixed3(want.quality) +
                                   " < min_quality 0.100");
    EXPECT_EQ(cv::norm(out, photo_, cv::NORM_INF), 0);  // the face is left as it was
}

TEST_F(GpenGateStage, IdentityDistanceDecidesAndIsReported) {
    std::string why;
    if (!ready(why)) GTEST_SKIP() << why;
    link_eqface();
    const Expected want = expected();
    std::cout << "identity distance " << want.distance << " (crop fed as RGB: " << want.distance_crop_rgb
              << ", restored face fed as BGR: " << want.distance_restored_bgr << ")\n";
    // Both channel-order traps change the distance, so matching it shows both crops are right.
    ASSERT_GT(std::abs(want.distance - want.distance_crop_rgb), 1e-3);
    ASSERT_GT(std::abs(want.distance - want.distance_restored_bgr), 1e-3);
    ASSERT_GT(want.distance, 0.01);
    ASSERT_LT(want.distance, 0.99);
    {  // threshold just above: restored
        auto r = runner(stages("      min_quality: 0\n      max_identity_distance: " + std::to_string(want.distance + 0.005) +
                               "\n"));
        ImageReport rep;
        const cv::Mat out = r->process(photo_, "astronaut", rep);
        ASSERT_TRUE(rep.ok) << rep.error;
        EXPECT_EQ(rep.stats["gpen.faces_restored"], 1);
        EXPECT_EQ(rep.stats["gpen.faces_kept_identity"], 0);
        EXPECT_NEAR(rep.stats["gpen.face1.identity_distance"], want.distance, 1e-6);
        EXPECT_NEAR(rep.stats["gpen.face1.quality"], want.quality, 1e-6);
        EXPECT_TRUE(rep.warnings.empty());
        EXPECT_GT(cv::norm(out, photo_, cv::NORM_INF), 0);  // pasted (through the 2x crop)
    }
    {  // just below: the original face is kept, and the report says why
        const double limit = want.distance - 0.005;
        auto r = runner(stages("      min_quality: 0\n      max_identity_distance: " + std::to_string(limit) + "\n"));
        ImageReport rep;
        const cv::Mat out = r->process(photo_, "astronaut", rep);
        ASSERT_TRUE(rep.ok) << rep.error;
        EXPECT_EQ(rep.stats["gpen.faces_restored"], 0);
        EXPECT_EQ(rep.stats["gpen.faces_kept_identity"], 1);
        EXPECT_NEAR(rep.stats["gpen.face1.identity_distance"], want.distance, 1e-6);
        ASSERT_EQ(rep.warnings.size(), 1u);
        EXPECT_EQ(rep.warnings[0], "gpen: face 1 kept as it was: identity distance " + fixed3(want.distance) +
                                       " > max_identity_distance " + fixed3(limit));
        EXPECT_EQ(cv::norm(out, photo_, cv::NORM_INF), 0);
    }
}

TEST_F(GpenGateStage, OffIgnoresThePresentModel) {
    std::string why;
    if (!ready(why)) GTEST_SKIP() << why;
    link_eqface();
    auto r = runner(stages("      quality_gate: \"off\"\n"));
    ImageReport rep;
    r->process(photo_, "astronaut", rep);
    ASSERT_TRUE(rep.ok) << rep.error;
    EXPECT_EQ(rep.stats["gpen.faces_restored"], 1);
    EXPECT_EQ(rep.stats.count("gpen.face1.quality"), 0u);
    EXPECT_TRUE(rep.warnings.empty());
}
