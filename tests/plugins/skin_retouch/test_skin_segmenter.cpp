// The skin segmenter path (OpenCV DNN) with self-made segmenters that follow the original's
// I/O contract (make_segmenter_graphs.py): input the long-side-800 RGB image as float HWC
// 0..255 without a batch, output HxW with 255 = skin. Their "skin" is a known rule,
// R > G + 10 and R > B, so the mask is checked against the rule computed here from the
// pixels. The real 102 MB graphs are not available offline; their ops remain untried.
#include <gtest/gtest.h>

#include <cstdlib>

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <sstream>

#include <opencv2/imgproc.hpp>

#include "abpn_whitening.hpp"
#include "portrait/runtime/sha256.hpp"
#include "skin_segmenter.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
namespace sk = portrait::skin;

namespace {

cv::Mat rule_mask(const cv::Mat& rgb) {
    cv::Mat m(rgb.size(), CV_8U);
    for (int y = 0; y < rgb.rows; ++y)
        for (int x = 0; x < rgb.cols; ++x) {
            const cv::Vec3b p = rgb.at<cv::Vec3b>(y, x);
            m.at<uchar>(y, x) = (p[0] > p[1] + 10 && p[0] > p[2]) ? 255 : 0;
        }
    return m;
}

// The astronaut (or a part of it) as RGB resized to long side 800, as the stage feeds it.
cv::Mat rgb800(const cv::Mat& bgr) {
    cv::Mat rgb, out;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    cv::resize(rgb, out, sk::long_side_size(bgr.size()), 0, 0, cv::INTER_LINEAR);
    return out;
}

class SkinSegmenterTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string why;
        dir_ = skin_test::segmenter_graphs(&why);
        if (dir_.empty()) GTEST_SKIP() << why;
        photo_ = skin_test::astronaut();
        if (photo_.empty()) GTEST_SKIP() << "astronaut.png not found (Debian python3-skimage)";
    }

    // The mask equals the rule but for a handful of pixels at the threshold.
    void expect_rule(sk::SkinSegmenter& seg, const cv::Mat& bgr) {
        const cv::Mat rgb = rgb800(bgr);
        const cv::Mat mask = seg.segment(rgb);
        ASSERT_EQ(mask.type(), CV_8U);
        ASSERT_EQ(mask.size(), rgb.size());
        const cv::Mat want = rule_mask(rgb);
        cv::Mat diff;
        cv::absdiff(mask, want, diff);
        const int wrong = cv::countNonZero(diff > 1);
        const double skin = double(cv::countNonZero(want)) / double(want.total());
        std::printf("%s %dx%d: rule skin %.1f %%, %d of %zu pixels differ\n", seg.kind().c_str(), rgb.cols,
                    rgb.rows, 100 * skin, wrong, want.total());
        EXPECT_GT(skin, 0.05) << "the rule should find some skin on the astronaut";
        EXPECT_LT(skin, 0.95);
        EXPECT_LT(wrong, 0.001 * double(want.total()));
    }

    fs::path dir_;
    cv::Mat photo_;
};

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

TEST_F(SkinSegmenterTest, TfGraphFollowsTheRuleOnARealPhoto) {
    sk::SkinSegmenter seg(dir_ / "tf_graph.pb");
    EXPECT_EQ(seg.kind(), "tf_graph");
    expect_rule(seg, photo_);                             // 800x800
    expect_rule(seg, photo_(cv::Rect(0, 60, 512, 330)));  // another size with the same net
}

TEST_F(SkinSegmenterTest, OnnxFollowsTheRuleOnARealPhoto) {
    sk::SkinSegmenter seg(dir_ / "model.onnx");
    EXPECT_EQ(seg.kind(), "onnx");
    expect_rule(seg, photo_);
    expect_rule(seg, photo_(cv::Rect(0, 60, 512, 330)));
}

TEST_F(SkinSegmenterTest, OnnxWithAChannelAxisTakesTheLastChannel) {
    sk::SkinSegmenter seg(dir_ / "model_hwc1.onnx");  // answers [H,W,1]
    EXPECT_EQ(seg.kind(), "onnx");
    expect_rule(seg, photo_);
}

TEST_F(SkinSegmenterTest, AnswerOfTheWrongSizeIsRefused) {
    const cv::Mat rgb = rgb800(photo_);
    for (const char* f : {"tf_graph_half.pb", "model_half.onnx"}) {
        sk::SkinSegmenter seg(dir_ / f);  // loads: only the answer is wrong
        const std::string msg = error_of([&] { seg.segment(rgb); });
        EXPECT_NE(msg.find("answered with shape [400,400]"), std::string::npos) << f << ": " << msg;
        EXPECT_NE(msg.find("800x800"), std::string::npos) << msg;
    }
}

TEST_F(SkinSegmenterTest, CorruptFileIsRefusedWithItsName) {
    const fs::path tmp = fs::temp_directory_path() / ("portrait-segmenter-test-" + std::to_string(::getpid()));
    fs::create_directories(tmp);
    for (const char* name : {"tf_graph.pb", "model.onnx"}) {
        // Text instead of a model, and a real model cut in half.
        std::ifstream in(dir_ / name, std::ios::binary);
        const std::string real((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        for (const std::string& content : {std::string("this is not a model\n"), real.substr(0, real.size() / 2)}) {
            const fs::path file = tmp / name;
            std::ofstream(file, std::ios::binary) << content;
            const std::string msg = error_of([&] { sk::SkinSegmenter s(file); });
            EXPECT_NE(msg.find(file.string()), std::string::npos) << msg;
            std::printf("%s, %zu bytes: %s\n", name, content.size(), msg.substr(0, 160).c_str());
        }
    }
    fs::remove_all(tmp);
}

TEST_F(SkinSegmenterTest, SqueezeWithoutDimsIsRefusedNotCrashed) {
    // tf.squeeze(x) without axes segfaults OpenCV 4.6's importer; the patch refuses it first.
    const fs::path f = dir_ / "tf_graph_squeeze_all.pb";
    const std::string msg = error_of([&] { sk::SkinSegmenter s(f); });
    EXPECT_NE(msg.find("Squeeze without squeeze_dims"), std::string::npos) << msg;
    EXPECT_NE(msg.find(f.string()), std::string::npos) << msg;
}

namespace {

void put_model(const fs::path& from, const fs::path& to) {
    fs::create_directories(to.parent_path());
    fs::copy_file(from, to, fs::copy_options::overwrite_existing);
    std::ofstream(to.string() + ".sha256") << portrait::sha256_file(to) << "  " << to.filename().string() << "\n";
}

}  // namespace

TEST_F(SkinSegmenterTest, AbpnStageTakesTheWhiteningMaskFromTfGraph) {
    std::string why;
    const fs::path models = skin_test::recipe_models(&why);
    if (models.empty()) GTEST_SKIP() << why;
    // The self-made graph next to the recipe networks (a second model folder).
    const fs::path extra = fs::temp_directory_path() / ("portrait-segmenter-stage-" + std::to_string(::getpid()));
    put_model(dir_ / "tf_graph.pb", extra / "skin-retouching" / "tf_graph.pb");

    // strength 0: the stage stops after the mask, so no network but the segmenter runs.
    // Starts the stage with both model folders, runs it on the astronaut; returns its log.
    auto mask_run = [&](portrait::Frame& frame) {
        auto st = skin_test::plugin_stage("skin_retouch", "skin_retouch", "{backend: abpn, strength: 0.0}", {models, extra});
        frame.image = photo_.clone();
        frame.faces = skin_test::astronaut_faces();
        st->process(frame);
        return st->log();
    };
    portrait::Frame f;
    const std::string log = mask_run(f);
    EXPECT_NE(log.find("skin mask from tf_graph (" + (extra / "skin-retouching" / "tf_graph.pb").string() + ")"),
              std::string::npos)
        << log;
    EXPECT_EQ(f.stats.at("skin_retouch.skin_mask_network"), 1);
    // The frame's mask is the segmenter's, brought back to the image size.
    ASSERT_EQ(f.masks.count(portrait::masks::kSkin), 1u);
    cv::Mat want;
    cv::resize(rule_mask(rgb800(photo_)), want, photo_.size(), 0, 0, cv::INTER_LINEAR);
    cv::Mat diff;
    cv::absdiff(f.masks[portrait::masks::kSkin], want, diff);
    EXPECT_LT(cv::countNonZero(diff > 1), 0.001 * double(want.total()));

    // A corrupt tf_graph.pb: warned about by name, model.onnx next to it is used instead.
    std::ofstream(extra / "skin-retouching" / "tf_graph.pb", std::ios::binary) << "this is not a model\n";
    std::ofstream(extra / "skin-retouching" / "tf_graph.pb.sha256")
        << portrait::sha256_file(extra / "skin-retouching" / "tf_graph.pb") << "  tf_graph.pb\n";
    put_model(dir_ / "model.onnx", extra / "skin-retouching" / "model.onnx");
    portrait::Frame f2;
    const std::string log2 = mask_run(f2);
    EXPECT_NE(log2.find("skin_retouch: cannot use " + (extra / "skin-retouching" / "tf_graph.pb").string()),
              std::string::npos)
        << log2;
    EXPECT_NE(log2.find("skin mask from onnx"), std::string::npos) << log2;
    EXPECT_EQ(f2.stats.at("skin_retouch.skin_mask_network"), 1);

    // A file whose sidecar does not match is refused by the host, with a warning naming it.
    std::ofstream(extra / "skin-retouching" / "model.onnx.sha256") << std::string(64, '0') << "  model.onnx\n";
    fs::remove(extra / "skin-retouching" / "tf_graph.pb");
    fs::remove(extra / "skin-retouching" / "tf_graph.pb.sha256");
    // A good segmenter in a ModelScope download is pointed at, never loaded from there.
    const fs::path download = extra / "ms" / "iic" / "cv_unet_skin-retouching";
    fs::create_directories(download);
    fs::copy_file(dir_ / "tf_graph.pb", download / "tf_graph.pb");
    const char* old_ms = std::getenv("MODELSCOPE_CACHE");
    const std::string saved = old_ms ? old_ms : "";
    ::setenv("MODELSCOPE_CACHE", (extra / "ms").c_str(), 1);
    portrait::Frame f3;
    const std::string log3 = mask_run(f3);
    if (old_ms) ::setenv("MODELSCOPE_CACHE", saved.c_str(), 1); else ::unsetenv("MODELSCOPE_CACHE");
    EXPECT_NE(log3.find("skin_retouch: segmenter refused " + (extra / "skin-retouching" / "model.onnx").string()),
              std::string::npos)
        << log3;
    EXPECT_NE(log3.find("a skin segmenter is in " + (download / "tf_graph.pb").string() +
                        " but is used only from the model cache, checked: portrait models convert skin-retouching " +
                        download.string()),
              std::string::npos)
        << log3;
    EXPECT_EQ(f3.stats.at("skin_retouch.skin_mask_network"), 0);
    fs::remove_all(extra);
}
