// JPEGs whose entropy-coded data is damaged but which still end with an end-of-image marker:
// libjpeg fills what it cannot decode with grey and only warns, so a decode that ignores the
// warnings reports a grey image as a success. PIL, an independent decoder, shows the missing
// data (a flat fill); intact files still decode to the same pixels as OpenCV's decoder gives.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "batch_test_util.hpp"
#include "image_readers.hpp"
#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/image_io.hpp"
#include "test_temp_dir.hpp"

namespace ir = image_readers;
namespace fs = std::filesystem;

namespace {

cv::Mat noisy_photo(int w, int h) {
    cv::Mat img(h, w, CV_8UC3);
    cv::randu(img, cv::Scalar::all(0), cv::Scalar::all(255));
    cv::GaussianBlur(img, img, cv::Size(5, 5), 0);
    return img;
}

std::vector<unsigned char> encode(const cv::Mat& img, std::vector<int> params = {}) {
    std::vector<unsigned char> b;
    cv::imencode(".jpg", img, b, params);
    return b;
}

// The first start-of-scan segment's end (where entropy-coded data begins) and the EOI.
std::pair<std::size_t, std::size_t> scan_bounds(const std::vector<unsigned char>& b) {
    std::size_t sos = 0;
    for (std::size_t i = 2; i + 3 < b.size(); ++i)
        if (b[i] == 0xFF && b[i + 1] == 0xDA) {
            sos = i + 2 + ((std::size_t(b[i + 2]) << 8) | b[i + 3]);
            break;
        }
    return {sos, b.size() - 2};
}

// Removes `fraction` of the scan data (from its middle on), keeping the end marker.
std::vector<unsigned char> hollowed(const std::vector<unsigned char>& b, double fraction) {
    const auto [begin, end] = scan_bounds(b);
    const std::size_t keep = std::size_t(double(end - begin) * (1.0 - fraction));
    std::vector<unsigned char> out(b.begin(), b.begin() + long(begin + keep));
    out.insert(out.end(), b.end() - 2, b.end());
    return out;
}

// PIL's decode of the file's lower half: the largest per-channel standard deviation. libjpeg
// (in PIL as in OpenCV) fills what the data does not cover with one flat colour.
double pil_lower_half_spread(const fs::path& file) {
    const ir::Shell s = ir::python("import sys\nfrom PIL import Image, ImageStat\nim = Image.open(sys.argv[1])\n"
                                   "im.load()\nw, h = im.size\n"
                                   "print(max(ImageStat.Stat(im.crop((0, h // 2, w, h))).stddev))\n",
                                   {file.string()});
    const auto at = s.out.find_last_of('\n', s.out.size() - 2);
    return std::stod(s.out.substr(at == std::string::npos ? 0 : at + 1));
}

std::string decode_error(const std::vector<unsigned char>& bytes, const std::string& name) {
    try {
        portrait::decode_image(bytes, portrait::probe_image(bytes, name), name);
    } catch (const portrait::ImageError& e) {
        return e.what();
    }
    return "";
}

// A CMYK JPEG in which every ink and the key vary, so the formula is tested on all four.
std::vector<unsigned char> cmyk_jpeg(int w, int h) {
    return bt::write_cmyk_jpeg(w, h, [w](int y, unsigned char* row) {
        for (int x = 0; x < w; ++x)
            for (int k = 0; k < 4; ++k) row[std::size_t(x * 4 + k)] = uchar((x * (k + 1) * 7 + y * 3) & 255);
    });
}

}  // namespace

TEST(CorruptJpeg, ScanDataRemovedButEndMarkerKeptFailsWithTheReason) {
    portrait_test::TempDir tmp("corrupt-jpeg");
    const auto bytes = hollowed(encode(noisy_photo(640, 480)), 0.97);
    const fs::path file = tmp / "x.jpg";
    ir::write_bytes(file, bytes);
    if (ir::have_pil()) {
        EXPECT_LT(pil_lower_half_spread(file), 0.5) << "PIL finds no image data there either";
        ir::write_bytes(tmp / "intact.jpg", encode(noisy_photo(640, 480)));
        EXPECT_GT(pil_lower_half_spread(tmp / "intact.jpg"), 5.0);
    }
    // OpenCV (the old decode path) calls it a success: the reason this test exists.
    EXPECT_FALSE(cv::imdecode(bytes, cv::IMREAD_UNCHANGED).empty());
    const std::string err = decode_error(bytes, file.string());
    EXPECT_NE(err.find(file.string() + ": corrupt JPEG data: premature end of data segment"), std::string::npos)
        << err;
}

TEST(CorruptJpeg, GarbageInTheScanFails) {
    auto bytes = encode(noisy_photo(320, 240));
    const auto [begin, end] = scan_bounds(bytes);
    for (std::size_t i = begin + (end - begin) / 3; i < begin + (end - begin) / 2; i += 7) bytes[i] = 0xFF;
    const std::string err = decode_error(bytes, "g.jpg");
    EXPECT_NE(err.find("g.jpg: corrupt JPEG data"), std::string::npos) << err;
}

TEST(CorruptJpeg, ProgressiveJpegMissingItsLaterScansFails) {
    const auto bytes = hollowed(encode(noisy_photo(320, 240), {cv::IMWRITE_JPEG_PROGRESSIVE, 1}), 0.9);
    const std::string err = decode_error(bytes, "p.jpg");
    EXPECT_NE(err.find("p.jpg: corrupt JPEG data"), std::string::npos) << err;
}

// The same pixels as OpenCV's decoder for intact files of each kind.
TEST(CorruptJpeg, IntactFilesDecodeAsOpenCvDecodesThem) {
    const cv::Mat colour = noisy_photo(333, 217);
    cv::Mat grey;
    cv::cvtColor(colour, grey, cv::COLOR_BGR2GRAY);
    const std::vector<std::pair<std::string, std::vector<unsigned char>>> files{
        {"colour.jpg", encode(colour)},
        {"grey.jpg", encode(grey)},
        {"progressive.jpg", encode(colour, {cv::IMWRITE_JPEG_PROGRESSIVE, 1})},
        {"low_quality.jpg", encode(colour, {cv::IMWRITE_JPEG_QUALITY, 30, cv::IMWRITE_JPEG_OPTIMIZE, 1})},
        {"cmyk.jpg", cmyk_jpeg(101, 67)},
    };
    for (const auto& [name, bytes] : files) {
        SCOPED_TRACE(name);
        const cv::Mat ref = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
        const portrait::DecodedImage d = portrait::decode_image(bytes, portrait::probe_image(bytes, name), name);
        ASSERT_EQ(d.pixels.type(), ref.type());
        ASSERT_EQ(d.pixels.size(), ref.size());
        EXPECT_EQ(cv::norm(d.pixels, ref, cv::NORM_INF), 0);
    }
}

// A JPEG header that promises 32768 x 32768 over 2 KB of data: whatever memory limit lets
// it through, the decode stops at the first missing row instead of filling 3 GB with grey.
TEST(CorruptJpeg, HugeHeaderOverTinyDataStopsAtOnce) {
    std::vector<unsigned char> bytes = encode(noisy_photo(64, 64));
    for (std::size_t i = 2; i + 8 < bytes.size(); ++i)
        if (bytes[i] == 0xFF && bytes[i + 1] == 0xC0) {  // SOF0: height and width at +5, +7
            bytes[i + 5] = bytes[i + 7] = 0x80;
            bytes[i + 6] = bytes[i + 8] = 0x00;
            break;
        }
    const portrait::ImageHeader h = portrait::probe_image(bytes, "bomb.jpg");
    ASSERT_EQ(h.width, 32768);
    const auto t0 = std::chrono::steady_clock::now();
    const std::string err = decode_error(bytes, "bomb.jpg");
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_NE(err.find("bomb.jpg: corrupt JPEG data"), std::string::npos) << err;
    EXPECT_LT(s, 5.0) << "the decode must stop at the first warning";
}
