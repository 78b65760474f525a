// Tiling: the tiles cover the image once, respect the alignment, and a local operation
// run tiled equals the same operation run on the whole image.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "portrait/tiling.hpp"

using namespace portrait::tiling;

TEST(Tiling, CoresCoverTheImageOnceAndAlign) {
    const cv::Size img(202, 146);
    const auto tiles = make_tiles(img, 64, 10, 2);
    cv::Mat count(img, CV_8UC1, cv::Scalar(0));
    for (const Tile& t : tiles) {
        count(t.core) += 1;
        EXPECT_EQ((t.core & t.padded), t.core);
        for (int v : {t.core.x, t.core.y, t.core.width, t.core.height, t.padded.x, t.padded.y, t.padded.width,
                      t.padded.height})
            EXPECT_EQ(v % 2, 0);
        EXPECT_GE(t.core.x - t.padded.x, t.core.x > 0 ? 10 : 0);
    }
    EXPECT_EQ(cv::countNonZero(count != 1), 0);
    EXPECT_EQ(make_tiles(img, 0, 10, 2).size(), 1u);
    EXPECT_EQ(make_tiles(img, 500, 10, 2).size(), 1u);
}

TEST(Tiling, TiledEqualsUntiledForALocalOperation) {
    // A 5x5 blur (radius 2) three times = radius 6, then a 2x nearest enlargement:
    // with pad >= 6 every kept pixel sees the same input as in the whole-image run.
    cv::Mat img(150, 202, CV_32FC3);
    cv::RNG rng(3);
    rng.fill(img, cv::RNG::UNIFORM, 0.0, 1.0);
    auto op = [](const cv::Mat& in) {
        cv::Mat a;
        cv::blur(in, a, cv::Size(5, 5), cv::Point(-1, -1), cv::BORDER_CONSTANT);
        cv::blur(a, a, cv::Size(5, 5), cv::Point(-1, -1), cv::BORDER_CONSTANT);
        cv::blur(a, a, cv::Size(5, 5), cv::Point(-1, -1), cv::BORDER_CONSTANT);
        cv::Mat up;
        cv::resize(a, up, in.size() * 2, 0, 0, cv::INTER_NEAREST);
        return up;
    };
    const cv::Mat whole = op(img);
    const cv::Mat tiled = run_tiled(img, 2, 48, 6, 2, op);
    ASSERT_EQ(tiled.size(), whole.size());
    EXPECT_LE(cv::norm(tiled, whole, cv::NORM_INF), 1e-5);
    // Too little context shows at the seams.
    EXPECT_GT(cv::norm(run_tiled(img, 2, 48, 2, 2, op), whole, cv::NORM_INF), 1e-3);
}

TEST(Tiling, RejectsAWrongTileResult) {
    const cv::Mat img(40, 40, CV_8UC3, cv::Scalar::all(1));
    EXPECT_THROW(run_tiled(img, 2, 16, 4, 2, [](const cv::Mat& t) { return t.clone(); }), std::runtime_error);
}
