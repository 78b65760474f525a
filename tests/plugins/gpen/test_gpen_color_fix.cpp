// color_fix on a real face: a "restoration" that adds fine detail and a warm colour cast
// (the reddish-skin complaint, GFPGAN#188) is pasted back. Without a fix the skin's mean
// colour moves by the cast; mean_std and wavelet bring it back within 2 levels while the
// restoration's detail stays.
#include <gtest/gtest.h>

#include <cmath>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "color_fix.hpp"
#include "enhance.hpp"
#include "paste_mask.hpp"

using namespace portrait;
using namespace portrait::gpen;

namespace {

const char* kPhoto = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png";

// The aligned crop plus a fine texture (period 8 crop pixels, +-12 levels), then per channel
// gain and offset: B * 0.92 - 6, G + 3, R * 1.06 + 14.
class CastRestorer : public FaceRestorer {
public:
    int size() const override { return 512; }
    std::vector<cv::Mat> restore(const std::vector<cv::Mat>& crops) override {
        std::vector<cv::Mat> out;
        for (const cv::Mat& c : crops) {
            cv::Mat f;
            c.convertTo(f, CV_32FC3);
            for (int y = 0; y < f.rows; ++y)
                for (int x = 0; x < f.cols; ++x) {
                    cv::Vec3f& p = f.at<cv::Vec3f>(y, x);
                    const float t = float(12 * std::sin(2 * CV_PI * x / 8) * std::sin(2 * CV_PI * y / 8));
                    p = cv::Vec3f((p[0] + t) * 0.92f - 6, p[1] + t + 3, (p[2] + t) * 1.06f + 14);
                    for (int k = 0; k < 3; ++k) p[k] = std::min(255.f, std::max(0.f, p[k]));
                }
            out.push_back(f);
        }
        return out;
    }
};

// Paints the whole crop white: on a black image it shows where the paste mask is.
class WhiteRestorer : public FaceRestorer {
public:
    int size() const override { return 512; }
    std::vector<cv::Mat> restore(const std::vector<cv::Mat>& crops) override {
        return std::vector<cv::Mat>(crops.size(), cv::Mat(512, 512, CV_32FC3, cv::Scalar::all(255)));
    }
};

Face astronaut_face() {
    // tests/plugins/gpen/data/astronaut_align5.txt
    const float p[10] = {202.9562f, 101.3021f, 246.3456f, 103.8562f, 222.6034f,
                         130.7458f, 200.5346f, 138.6855f, 245.3859f, 141.2402f};
    Face f;
    for (int i = 0; i < 5; ++i) f.align5[i] = {p[2 * i], p[2 * i + 1]};
    f.has_align5 = true;
    return f;
}

cv::Mat high_pass(const cv::Mat& bgr) {
    cv::Mat g, blur;
    cv::cvtColor(bgr, g, cv::COLOR_BGR2GRAY);
    g.convertTo(g, CV_32F);
    cv::GaussianBlur(g, blur, cv::Size(0, 0), 2.0);
    return g - blur;
}

double correlation(const cv::Mat& a, const cv::Mat& b, const cv::Mat& where) {
    cv::Scalar ma, sa, mb, sb;
    cv::meanStdDev(a, ma, sa, where);
    cv::meanStdDev(b, mb, sb, where);
    const cv::Mat ac = a - ma[0], bc = b - mb[0];
    return cv::mean(ac.mul(bc), where)[0] / (sa[0] * sb[0]);
}

double spread(const cv::Mat& a, const cv::Mat& where) {
    cv::Scalar m, s;
    cv::meanStdDev(a, m, s, where);
    return s[0];
}

}  // namespace

TEST(GpenColorFix, BringsTheSkinColourBackAndKeepsTheDetail) {
    const cv::Mat photo = cv::imread(kPhoto, cv::IMREAD_COLOR);
    if (photo.empty()) GTEST_SKIP() << "test photo " << kPhoto << " missing (python3-skimage)";
    const Face face = astronaut_face();
    ResizeUpsampler none(cv::INTER_LINEAR);
    const cv::Mat mask = make_paste_mask(512);

    // Skin: where the paste mask is full, and the original looks like skin (YCrCb box).
    WhiteRestorer white;
    const cv::Mat black(photo.size(), CV_8UC3, cv::Scalar::all(0));
    cv::Mat plateau;
    cv::inRange(enhance_faces(black, {face}, white, none, mask, EnhanceOptions{}).image, cv::Scalar::all(253),
                cv::Scalar::all(255), plateau);
    cv::Mat ycrcb, skin;
    cv::cvtColor(photo, ycrcb, cv::COLOR_BGR2YCrCb);
    cv::inRange(ycrcb, cv::Scalar(40, 135, 80), cv::Scalar(240, 180, 130), skin);
    skin &= plateau;
    ASSERT_GT(cv::countNonZero(skin), 10000) << "too little skin found on the astronaut's face";

    CastRestorer cast;
    auto run = [&](ColorFix how) {
        EnhanceOptions o;
        o.color_fix = how;
        return enhance_faces(photo, {face}, cast, none, mask, o).image;
    };
    const cv::Mat plain = run(ColorFix::none);
    const cv::Scalar want = cv::mean(photo, skin), cast_mean = cv::mean(plain, skin);
    std::cout << "skin mean BGR original " << want << ", with the cast " << cast_mean << "\n";
    EXPECT_GT(cast_mean[2] - want[2], 10);  // the cast is there without a fix

    // The detail the restoration added: its high frequencies minus the original's.
    const cv::Mat hf_original = high_pass(photo);
    const cv::Mat added = high_pass(plain) - hf_original;
    ASSERT_GT(spread(added, skin), 2.0);
    for (ColorFix how : {ColorFix::mean_std, ColorFix::wavelet}) {
        const cv::Mat fixed = run(how);
        const cv::Scalar got = cv::mean(fixed, skin);
        const cv::Mat kept = high_pass(fixed) - hf_original;
        const double corr = correlation(kept, added, skin), ratio = spread(kept, skin) / spread(added, skin);
        std::cout << (how == ColorFix::wavelet ? "wavelet" : "mean_std") << ": skin mean " << got
                  << ", detail correlation with the restoration " << corr << ", amplitude ratio " << ratio << "\n";
        for (int c = 0; c < 3; ++c) EXPECT_LE(std::abs(got[c] - want[c]), 2.0) << "channel " << c;
        EXPECT_GT(corr, 0.95);
        EXPECT_NEAR(ratio, 1.0, 0.1);
        if (const char* dump = std::getenv("GPEN_COLOR_DUMP")) {
            cv::imwrite(std::string(dump) + "/" + (how == ColorFix::wavelet ? "wavelet" : "mean_std") + ".png", fixed);
            cv::imwrite(std::string(dump) + "/none.png", plain);
        }
    }
}

TEST(GpenColorFix, WaveletLowpassKeepsConstantsAndRemovesFineDetail) {
    EXPECT_EQ(wavelet_levels(512), 5);
    EXPECT_EQ(wavelet_levels(1024), 6);
    EXPECT_EQ(wavelet_levels(64), 2);
    const cv::Mat flat(64, 64, CV_32FC3, cv::Scalar(10, 20, 30));
    EXPECT_LE(cv::norm(wavelet_lowpass(flat, 5), flat, cv::NORM_INF), 1e-4);
    cv::Mat fine(128, 128, CV_32FC3);
    for (int y = 0; y < 128; ++y)
        for (int x = 0; x < 128; ++x) fine.at<cv::Vec3f>(y, x) = cv::Vec3f::all(float(100 + 50 * ((x + y) % 2)));
    const cv::Mat low = wavelet_lowpass(fine, 5);
    EXPECT_LE(cv::norm(low, cv::Mat(128, 128, CV_32FC3, cv::Scalar::all(125)), cv::NORM_INF), 1.0);
    EXPECT_EQ(parse_color_fix("wavelet"), ColorFix::wavelet);
    EXPECT_THROW(parse_color_fix("lab"), std::invalid_argument);
}
