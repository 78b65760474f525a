// In-process checks of the batch building blocks: header probes, output planning,
// shards, manifest reading, progress formatting.
#include <fstream>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "batch_test_util.hpp"
#include "portrait/runtime/batch.hpp"
#include "portrait/runtime/batch_manifest.hpp"
#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/progress.hpp"

namespace {

using namespace portrait;

TEST(ImageProbe, ReadsSizeChannelsAndDepthFromTheHeader) {
    cv::Mat img = bt::photo(33, 21);
    for (const std::string ext : {".jpg", ".png", ".webp", ".tif", ".bmp"}) {
        const ImageHeader h = probe_image(bt::encode(ext, img), "x" + ext);
        EXPECT_EQ(h.width, 33) << ext;
        EXPECT_EQ(h.height, 21) << ext;
        EXPECT_EQ(h.channels, 3) << ext;
    }
    cv::Mat g16;
    cv::cvtColor(img, g16, cv::COLOR_BGR2GRAY);
    g16.convertTo(g16, CV_16U, 257);
    const ImageHeader h = probe_image(bt::encode(".png", g16), "g.png");
    EXPECT_EQ(h.channels, 1);
    EXPECT_EQ(h.depth_bytes, 2);
    EXPECT_EQ(probe_image(bt::cmyk_jpeg(8, 8), "c.jpg").channels, 3);
}

TEST(ImageProbe, RefusesWhatIsNotAnImage) {
    EXPECT_THROW(probe_image({}, "e"), ImageError);
    EXPECT_THROW(probe_image({'h', 'e', 'l', 'l', 'o'}, "t"), ImageError);
    EXPECT_THROW(probe_image({0xFF, 0xD8, 0xFF, 0x00}, "j"), ImageError);
}

// An input as listing leaves it: file and place, the rest for plan_outputs.
BatchInput listed(const char* file, const char* rel) {
    BatchInput in;
    in.file = file;
    in.relative = rel;
    return in;
}

TEST(PlanOutputs, CollisionsFormatsAndInputProtection) {
    std::vector<BatchInput> in{listed("/a/x.jpg", "x.jpg"), listed("/b/x.jpg", "x.jpg"), listed("/c/x.png", "x.png"),
                               listed("/d/x.jpg", "x.jpg")};
    BatchOptions o;
    o.output_dir = "/out";
    o.format = "jpg";
    plan_outputs(in, o);
    EXPECT_EQ(in[0].output_rel, "x.jpg");
    EXPECT_EQ(in[1].output_rel, "x-2.jpg");
    EXPECT_EQ(in[2].output_rel, "x-3.jpg");
    EXPECT_EQ(in[3].output_rel, "x-4.jpg");
    // Every changed name says what it was and which input took it first.
    EXPECT_TRUE(in[0].renamed_from.empty());
    EXPECT_TRUE(in[0].rename_reason.empty());
    for (int i = 1; i < 4; ++i) {
        EXPECT_EQ(in[std::size_t(i)].renamed_from, "x.jpg") << i;
        EXPECT_NE(in[std::size_t(i)].rename_reason.find("/a/x.jpg"), std::string::npos) << in[std::size_t(i)].rename_reason;
    }
    std::vector<BatchInput> same{listed("/photos/y.jpg", "y.jpg")};
    BatchOptions o2;
    o2.output_dir = "/photos";
    plan_outputs(same, o2);
    EXPECT_EQ(same[0].output_rel, "y-portrait.jpg");
    EXPECT_EQ(same[0].renamed_from, "y.jpg");
    EXPECT_NE(same[0].rename_reason.find("replace the input /photos/y.jpg"), std::string::npos) << same[0].rename_reason;
}

TEST(Shard, DeterministicCompleteAndDisjoint) {
    int counts[4] = {0, 0, 0, 0};
    for (int i = 0; i < 400; ++i) {
        const std::string rel = "dir/img" + std::to_string(i) + ".jpg";
        int hits = 0;
        for (int s = 0; s < 4; ++s)
            if (in_shard(rel, s, 4)) {
                ++hits;
                ++counts[s];
            }
        EXPECT_EQ(hits, 1);
    }
    for (int c : counts) EXPECT_GT(c, 60);  // roughly even
    int i = -1, n = -1;
    parse_shard("2/5", i, n);
    EXPECT_EQ(i, 2);
    EXPECT_EQ(n, 5);
    EXPECT_THROW(parse_shard("5/5", i, n), UsageError);
    EXPECT_THROW(parse_shard("x", i, n), UsageError);
    EXPECT_THROW(parse_shard("1/2/3", i, n), UsageError);
}

TEST(Manifest, TornLinesAreIgnored) {
    bt::TempDir t;
    std::string err;
    {
        ManifestWriter w;
        ASSERT_TRUE(w.open(t.path(), 0, 1, err)) << err;
        w.append({"a.jpg", "in/a.jpg", "aa", "pp", 10});
        w.append({"b.jpg", "in/b.jpg", "bb", "pp", 20});
    }
    {
        std::ofstream f(manifest_dir(t.path()) / "manifest.jsonl", std::ios::app);
        f << "{\"output\": \"c.jpg\", \"inp";  // a crash mid-line
    }
    {
        ManifestWriter w;
        ASSERT_TRUE(w.open(t.path(), 0, 1, err));
        w.append({"d.jpg", "in/d.jpg", "dd", "pp", 30});
    }
    const auto m = read_manifest(t.path());
    EXPECT_EQ(m.size(), 3u);
    EXPECT_EQ(m.at("b.jpg").output_size, 20u);
    EXPECT_EQ(m.at("d.jpg").input_sha256, "dd");
}

TEST(Progress, EtaFormatting) {
    EXPECT_EQ(Progress::format_eta(5), "5s");
    EXPECT_EQ(Progress::format_eta(65), "1m05s");
    EXPECT_EQ(Progress::format_eta(3725), "1h02m");
    EXPECT_EQ(Progress::format_eta(-1), "--");
}

TEST(Sha256, KnownDigest) {
    EXPECT_EQ(sha256_hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
