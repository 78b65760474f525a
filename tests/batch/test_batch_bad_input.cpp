// Bad and unusual inputs, one test each: every one ends with a correct output or a
// clear per-image error, the batch goes on (a good image beside it is always written),
// and nothing already written is lost or corrupted.
#include <sys/stat.h>
#include <unistd.h>

#include "batch_fixture.hpp"
#include "portrait/runtime/metadata.hpp"

namespace {

using bt::fs::path;

// CRC-32 of a PNG chunk (type + data), as the PNG spec defines it.
uint32_t png_crc(const std::vector<unsigned char>& bytes) {
    uint32_t c = 0xFFFFFFFFu;
    for (unsigned char b : bytes) {
        c ^= b;
        for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

void put_be32(std::vector<unsigned char>& v, uint32_t x) {
    for (int s = 24; s >= 0; s -= 8) v.push_back(uchar(x >> s));
}

// A PNG whose header claims width x height, with a token IDAT (a bomb's pixels would follow).
std::vector<unsigned char> png_header_only(uint32_t width, uint32_t height) {
    std::vector<unsigned char> v{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    std::vector<unsigned char> chunk{'I', 'H', 'D', 'R'};
    put_be32(chunk, width);
    put_be32(chunk, height);
    chunk.insert(chunk.end(), {8, 2, 0, 0, 0});  // 8-bit RGB
    put_be32(v, 13);
    v.insert(v.end(), chunk.begin(), chunk.end());
    put_be32(v, png_crc(chunk));
    std::vector<unsigned char> idat{'I', 'D', 'A', 'T', 0x78, 0x9c, 0x63, 0x00, 0x00};
    put_be32(v, uint32_t(idat.size() - 4));
    v.insert(v.end(), idat.begin(), idat.end());
    put_be32(v, png_crc(idat));
    std::vector<unsigned char> iend{'I', 'E', 'N', 'D'};
    put_be32(v, 0);
    v.insert(v.end(), iend.begin(), iend.end());
    put_be32(v, png_crc(iend));
    return v;
}

class BadInput : public BatchCli {
protected:
    void SetUp() override {
        BatchCli::SetUp();
        put_image("good.jpg", bt::photo(96, 64, 3));  // the batch must go on and write this
    }
    // Runs the folder; checks exit code, that good.jpg was written and decodes.
    void run_expect(int code, const std::string& pipeline = bt::tone_pipeline()) {
        last_ = run_all({}, pipeline);
        EXPECT_EQ(last_.code, code) << last_.err;
        EXPECT_FALSE(read_out("good.jpg").empty()) << "the good image beside the bad one must be written";
        EXPECT_EQ(item("good.jpg")["status"], "ok");
        EXPECT_TRUE(bt::temp_files_under(out()).empty());
    }
    void expect_failed(const std::string& name, const std::string& reason) {
        const auto it = item(name);
        EXPECT_EQ(it["status"], "failed");
        EXPECT_NE(it["error"].get<std::string>().find(reason), std::string::npos) << it["error"];
        EXPECT_FALSE(bt::fs::exists(out() / name)) << "no output for a failed image";
    }
    bt::Result last_;
};

TEST_F(BadInput, TruncatedJpeg) {
    auto b = bt::encode(".jpg", bt::photo(200, 150));
    b.resize(b.size() / 2);
    put("cut.jpg", b);
    run_expect(1);
    expect_failed("cut.jpg", "truncated JPEG");
}

TEST_F(BadInput, TruncatedPng) {
    auto b = bt::encode(".png", bt::photo(200, 150));
    b.resize(b.size() / 2);
    put("cut.png", b);
    run_expect(1);
    expect_failed("cut.png", "cannot decode png");
}

TEST_F(BadInput, ZeroByteFile) {
    put("zero.jpg", {});
    run_expect(1);
    expect_failed("zero.jpg", "empty file (0 bytes)");
}

TEST_F(BadInput, RandomBytesWithJpgName) {
    std::vector<unsigned char> b(5000);
    cv::RNG rng(5);
    for (auto& c : b) c = uchar(rng.uniform(0, 256));
    b[0] = 0x12;  // not a JPEG signature by chance
    put("random.jpg", b);
    run_expect(1);
    expect_failed("random.jpg", "not an image");
}

TEST_F(BadInput, JpegSignatureThenGarbage) {
    std::vector<unsigned char> b{0xFF, 0xD8, 0xFF, 0xE0};
    for (int i = 0; i < 300; ++i) b.push_back(uchar(i * 37));
    put("garbage.jpg", b);
    run_expect(1);
    expect_failed("garbage.jpg", "bad JPEG header");
}

TEST_F(BadInput, TextFile) {
    const std::string text = "this is a text file, not a photo\n";
    put("notes.png", std::vector<unsigned char>(text.begin(), text.end()));
    run_expect(1);
    expect_failed("notes.png", "not an image");
}

TEST_F(BadInput, PngHeaderClaims100000x100000) {
    put("bomb.png", png_header_only(100000, 100000));
    run_expect(1);
    expect_failed("bomb.png", "refused before decoding");
    EXPECT_EQ(item("bomb.png")["memory"]["estimate_bytes"], 0) << "nothing admitted";
    // Refused from the header alone: the process never came near 30 GB.
    EXPECT_LT(report()["run"]["peak_rss_bytes"].get<double>(), 2e9);
}

TEST_F(BadInput, HeaderOverMemoryLimitRefusedBeforeDecoding) {
    put("big.png", png_header_only(20000, 20000));  // 400 MP: under the pixel cap, over 256 MiB
    last_ = run_all({"--memory-limit", "256MiB"});
    EXPECT_EQ(last_.code, 1);
    expect_failed("big.png", "refused before decoding");
    EXPECT_NE(item("big.png")["error"].get<std::string>().find("memory_limit"), std::string::npos);
    EXPECT_EQ(item("good.jpg")["status"], "ok");
}

TEST_F(BadInput, SixteenBitPngKeepsDepth) {
    cv::Mat img16;
    bt::photo(80, 60).convertTo(img16, CV_16UC3, 257.0);
    put_image("deep.png", img16);
    run_expect(0);
    const cv::Mat o = read_out("deep.png");
    ASSERT_FALSE(o.empty());
    EXPECT_EQ(o.depth(), CV_16U);
    EXPECT_EQ(o.channels(), 3);
}

TEST_F(BadInput, GreyscaleStaysGreyscale) {
    cv::Mat grey;
    cv::cvtColor(bt::photo(80, 60), grey, cv::COLOR_BGR2GRAY);
    put_image("grey.png", grey);
    put_image("grey.jpg", grey);
    run_expect(0);
    EXPECT_EQ(read_out("grey.png").channels(), 1);
    EXPECT_EQ(read_out("grey.jpg").channels(), 1);
}

TEST_F(BadInput, RgbaKeepsAlphaUntouched) {
    cv::Mat bgra;
    cv::cvtColor(bt::photo(80, 60), bgra, cv::COLOR_BGR2BGRA);
    for (int y = 0; y < bgra.rows; ++y)
        for (int x = 0; x < bgra.cols; ++x) bgra.at<cv::Vec4b>(y, x)[3] = uchar((x * 3 + y) % 256);
    put_image("alpha.png", bgra);
    run_expect(0);
    const cv::Mat o = read_out("alpha.png");
    ASSERT_EQ(o.channels(), 4);
    std::vector<cv::Mat> a, b;
    cv::split(bgra, a);
    cv::split(o, b);
    EXPECT_EQ(cv::norm(a[3], b[3], cv::NORM_INF), 0) << "alpha must pass through the tone stage unchanged";
    EXPECT_GT(cv::norm(a[0], b[0], cv::NORM_INF), 0) << "colour was processed";
}

TEST_F(BadInput, CmykJpeg) {
    put("cmyk.jpg", bt::cmyk_jpeg(64, 48));
    run_expect(0);
    const cv::Mat o = read_out("cmyk.jpg");
    ASSERT_FALSE(o.empty());
    EXPECT_EQ(o.size(), cv::Size(64, 48));
    EXPECT_EQ(o.channels(), 3);
}

// A CMYK JPEG with its press profile: colours come from the profile (lcms2), not from
// OpenCV's fixed formula, and the output is tagged sRGB. Reference: the made-up press model
// the profile was sampled from, evaluated directly.
TEST_F(BadInput, CmykJpegWithProfileIsColourManaged) {
    const std::array<unsigned char, 4> stored{128, 128, 128, 255};  // half C, M, Y; no black
    put("press.jpg", bt::with_icc(bt::cmyk_patch_jpeg(48, 32, stored), bt::cmyk_press_profile()));
    put("plain.jpg", bt::cmyk_patch_jpeg(48, 32, stored));
    run_expect(0, bt::test_pipeline("faces"));  // finds no face here: pixels pass through
    const cv::Vec3d ref = bt::press_rgb({1 - stored[0] / 255.0, 1 - stored[1] / 255.0, 1 - stored[2] / 255.0,
                                         1 - stored[3] / 255.0}) * 255.0;  // RGB
    const cv::Scalar managed = cv::mean(read_out("press.jpg")), naive = cv::mean(read_out("plain.jpg"));  // BGR
    for (int c = 0; c < 3; ++c) {
        EXPECT_NEAR(managed[2 - c], ref[c], 4.0) << "channel " << "RGB"[c];
    }
    // The press's warm cast is 20+ levels away from the fixed formula (128 grey).
    EXPECT_GT(std::abs(managed[2] - naive[2]), 12.0);
    EXPECT_GT(std::abs(managed[0] - naive[0]), 12.0);
    const auto icc = bt::icc_of(bt::read_bytes(out() / "press.jpg"));
    ASSERT_FALSE(icc.empty()) << "the output carries the sRGB profile it was converted to";
    EXPECT_EQ(portrait::icc_colour_space(icc), "RGB");
    const auto warnings = item("press.jpg")["warnings"].dump();
    EXPECT_NE(warnings.find("CMYK converted to sRGB"), std::string::npos) << warnings;
    // Without a profile OpenCV's formula stands, and the file still goes through.
    EXPECT_NEAR(naive[0], 128, 4);
}

TEST_F(BadInput, ExifRotatedJpegIsTurnedUpright) {
    put("rotated.jpg", bt::with_orientation(bt::encode(".jpg", bt::photo(120, 80)), 6));
    run_expect(0);
    const auto bytes = bt::read_bytes(out() / "rotated.jpg");
    const cv::Mat o = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
    EXPECT_EQ(o.size(), cv::Size(80, 120)) << "orientation 6 applied to the pixels";
    EXPECT_EQ(bt::orientation_of(bytes), 1) << "orientation reset to upright";
    EXPECT_EQ(item("rotated.jpg")["orientation"], 6);
}

TEST_F(BadInput, EveryExifOrientation) {
    for (int o = 1; o <= 8; ++o)
        put("o" + std::to_string(o) + ".jpg", bt::with_orientation(bt::encode(".jpg", bt::photo(60, 40)), o));
    run_expect(0);
    for (int o = 1; o <= 8; ++o) {
        const cv::Mat m = read_out("o" + std::to_string(o) + ".jpg");
        EXPECT_EQ(m.size(), o >= 5 ? cv::Size(40, 60) : cv::Size(60, 40)) << "orientation " << o;
    }
}

TEST_F(BadInput, IccProfileKept) {
    const auto icc = bt::srgb_profile();
    put("icc.jpg", bt::with_icc(bt::encode(".jpg", bt::photo(64, 64)), icc));
    put("icc.png", bt::with_icc(bt::encode(".png", bt::photo(64, 64)), icc));
    run_expect(0);
    EXPECT_EQ(bt::icc_of(bt::read_bytes(out() / "icc.jpg")), icc);
    EXPECT_EQ(bt::icc_of(bt::read_bytes(out() / "icc.png")), icc);
}

TEST_F(BadInput, WebP) {
    put_image("photo.webp", bt::photo(64, 48));
    run_expect(0);
    EXPECT_EQ(read_out("photo.webp").size(), cv::Size(64, 48));
}

TEST_F(BadInput, Tiff) {
    put_image("photo.tif", bt::photo(64, 48));
    cv::Mat img16;
    bt::photo(64, 48).convertTo(img16, CV_16UC3, 257.0);
    put_image("deep.tiff", img16);
    run_expect(0);
    EXPECT_EQ(read_out("photo.tif").size(), cv::Size(64, 48));
    EXPECT_EQ(read_out("deep.tiff").depth(), CV_16U);
}

TEST_F(BadInput, OneByOne) {
    put_image("dot.png", cv::Mat(1, 1, CV_8UC3, cv::Scalar(10, 20, 30)));
    run_expect(0);
    EXPECT_EQ(read_out("dot.png").size(), cv::Size(1, 1));
}

TEST_F(BadInput, NoFacePassesThroughFaceStagesUntouched) {
    const cv::Mat img = bt::photo(96, 64, 9);
    put_image("nobody.png", img);
    run_expect(0, bt::test_pipeline("faces"));
    EXPECT_EQ(cv::norm(read_out("nobody.png"), img, cv::NORM_INF), 0) << "pixels unchanged";
    const auto it = item("nobody.png");
    EXPECT_EQ(it["faces"], 0);
    EXPECT_EQ(it["stages"][1]["changed"], false);
    EXPECT_EQ(it["stages"][1]["faces"], 0);
    // Two face stages saw no face: still one warning, from the first, for the image.
    ASSERT_EQ(it["warnings"].size(), 1u) << it["warnings"].dump();
    EXPECT_EQ(it["warnings"][0], "no_face: stage 'test_faces' found no face; the face stages passed the image "
                                 "through unchanged");
    EXPECT_EQ(report()["totals"]["warnings"]["no_face"], 2) << "good.jpg has no face either";
}

TEST_F(BadInput, ThirtySixFaces) {
    put_image("group.png", bt::with_faces(bt::photo(640, 640, 4), 36));
    run_expect(0, bt::test_pipeline("faces"));
    const auto it = item("group.png");
    EXPECT_EQ(it["faces"], 36);
    EXPECT_EQ(it["stages"][0]["faces"], 36);
    EXPECT_EQ(it["stages"][1]["changed"], true);
    EXPECT_TRUE(it["warnings"].empty());
}

TEST_F(BadInput, UnreadableFile) {
    put_image("locked.jpg", bt::photo(40, 30));
    chmod((in() / "locked.jpg").c_str(), 0);
    last_ = run({in().string(), "-o", out().string()}, bt::tone_pipeline(), "", bt::unprivileged_wrapper());
    EXPECT_EQ(last_.code, 1) << last_.err;
    EXPECT_FALSE(read_out("good.jpg").empty());
    expect_failed("locked.jpg", "cannot be read");
}

TEST_F(BadInput, OutputFolderNotWritable) {
    bt::fs::create_directories(out());
    chmod(out().c_str(), 0555);
    last_ = run({in().string(), "-o", out().string()}, bt::tone_pipeline(), "", bt::unprivileged_wrapper());
    EXPECT_EQ(last_.code, 1) << last_.err;
    const auto it = item("good.jpg");
    EXPECT_EQ(it["status"], "failed");
    EXPECT_NE(it["error"].get<std::string>().find("permission denied"), std::string::npos) << it["error"];
}

TEST_F(BadInput, OutputPathIsAFile) {
    // A configuration error, found before any image is read (exit 2), not one failure per image.
    bt::write_bytes(out(), {'x'});
    last_ = run({in().string(), "-o", out().string()});
    EXPECT_EQ(last_.code, 2) << last_.err;
    EXPECT_NE(last_.err.find("-o " + out().string() + ": exists and is not a folder"), std::string::npos) << last_.err;
    EXPECT_EQ(bt::read_bytes(out()), std::vector<unsigned char>{'x'});
}

TEST_F(BadInput, DiskFullFailsOneImageOnly) {
    cv::Mat big = bt::photo(900, 700, 2);
    put_image("big.png", big);  // far over the 64 KiB file size limit
    last_ = run({in().string(), "-o", out().string()}, bt::tone_pipeline(), "ulimit -f 64;");
    EXPECT_EQ(last_.code, 1) << last_.err;
    EXPECT_FALSE(read_out("good.jpg").empty());
    expect_failed("big.png", "file too large");
    EXPECT_TRUE(bt::temp_files_under(out()).empty()) << "the partial temp file is removed";
}

TEST_F(BadInput, SymlinkLoopInInputTree) {
    bt::fs::create_directories(in() / "sub");
    put_image("sub/inner.jpg", bt::photo(40, 30));
    bt::fs::create_directory_symlink("..", in() / "sub" / "up");  // a loop back to in/
    bt::fs::create_symlink("b.jpg", in() / "a.jpg");              // a -> b -> a
    bt::fs::create_symlink("a.jpg", in() / "b.jpg");
    run_expect(1);
    EXPECT_FALSE(read_out("sub/inner.jpg").empty());
    expect_failed("a.jpg", "link loop");
    EXPECT_EQ(report()["items"].size(), 4u) << "inner.jpg once, not again through the loop";
    EXPECT_FALSE(report()["listing_warnings"].empty());
}

TEST_F(BadInput, NonAsciiAndSpacesInNames) {
    put_image("dossier été/photo d'été 1.jpg", bt::photo(50, 40));
    put_image("写真 2.png", bt::photo(50, 40));
    run_expect(0);
    EXPECT_FALSE(read_out("dossier été/photo d'été 1.jpg").empty());
    EXPECT_FALSE(read_out("写真 2.png").empty());
}

TEST_F(BadInput, DuplicateNamesDoNotCollide) {
    put_image("a/x.jpg", bt::photo(50, 40, 1));
    put_image("b/x.jpg", bt::photo(50, 40, 2));
    last_ = run({(in() / "a/x.jpg").string(), (in() / "b/x.jpg").string(), "-o", out().string()});
    EXPECT_EQ(last_.code, 0) << last_.err;
    const cv::Mat o1 = read_out("x.jpg"), o2 = read_out("x-2.jpg");
    ASSERT_FALSE(o1.empty());
    ASSERT_FALSE(o2.empty());
    EXPECT_GT(cv::norm(o1, o2, cv::NORM_INF), 0) << "two different outputs, neither overwritten";
}

TEST_F(BadInput, SameFileListedTwice) {
    const std::string f = (in() / "good.jpg").string();
    last_ = run({f, f, (in() / "." / "good.jpg").string(), "-o", out().string()});
    EXPECT_EQ(last_.code, 0) << last_.err;
    EXPECT_EQ(report()["items"].size(), 1u);
    EXPECT_FALSE(bt::fs::exists(out() / "good-2.jpg"));
}

TEST_F(BadInput, StageThrowsForOneImage) {
    put_image("bad_one.jpg", bt::photo(50, 40));
    run_expect(1, bt::test_pipeline("throw"));
    expect_failed("bad_one.jpg", "stage 'test_throw' failed");
    EXPECT_EQ(item("bad_one.jpg")["failed_stage"], "test_throw");
}

TEST_F(BadInput, PipelineWithMissingPlugin) {
    last_ = run_all({}, bt::test_pipeline("missing_plugin"));
    EXPECT_EQ(last_.code, 2);
    EXPECT_NE(last_.err.find("unknown stage 'no_such_stage_anywhere'"), std::string::npos) << last_.err;
    EXPECT_FALSE(bt::fs::exists(out() / "good.jpg"));
}

TEST_F(BadInput, ModelThatFailsToLoadIsNeverNoFace) {
    last_ = run_all({}, bt::test_pipeline("needs_model"));
    EXPECT_EQ(last_.code, 2);
    EXPECT_NE(last_.err.find("test_needs_model"), std::string::npos) << last_.err;
    EXPECT_NE(last_.err.find("could not start"), std::string::npos) << last_.err;
    EXPECT_EQ(last_.err.find("no face"), std::string::npos);
}

TEST_F(BadInput, FolderNamedLikeAnImage) {
    bt::fs::create_directories(in() / "album.jpg");
    put_image("album.jpg/inside.png", bt::photo(30, 20));
    run_expect(0);
    EXPECT_FALSE(read_out("album.jpg/inside.png").empty());
}

TEST_F(BadInput, HiddenAndNonImageFilesAreIgnored) {
    put(".hidden.jpg", {1, 2, 3});
    put("readme.txt", {'h', 'i'});
    run_expect(0);
    EXPECT_EQ(report()["items"].size(), 1u);
}

}  // namespace
