// PNG input is decoded with libpng directly (so its warnings reach our log instead of the
// terminal); the stages expect what cv::imdecode(IMREAD_UNCHANGED) gave before. Every
// colour type, bit depth, tRNS and interlacing libpng writes is compared, pixel for pixel
// and type for type, with OpenCV's own decoder as the reference.
#include <gtest/gtest.h>

#include <csetjmp>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <png.h>

#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/image_io.hpp"

namespace {

struct Variant {
    const char* name;
    int colour_type, depth;
    bool trns, interlaced;
};

void append(png_structp png, png_bytep data, png_size_t n) {
    auto* out = static_cast<std::vector<unsigned char>*>(png_get_io_ptr(png));
    out->insert(out->end(), data, data + n);
}

// A 37x23 image of random samples (odd sizes exercise the packing of low bit depths and
// the interlace passes), written by libpng as `v` says.
std::vector<unsigned char> write_png(const Variant& v) {
    const int w = 37, h = 23;
    const int channels = v.colour_type == PNG_COLOR_TYPE_GRAY        ? 1
                         : v.colour_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                         : v.colour_type == PNG_COLOR_TYPE_RGB        ? 3
                         : v.colour_type == PNG_COLOR_TYPE_RGB_ALPHA  ? 4
                                                                      : 1;  // palette indices
    const int bits_per_row = w * channels * v.depth;
    std::vector<std::vector<unsigned char>> rows(h, std::vector<unsigned char>(std::size_t((bits_per_row + 7) / 8)));
    std::mt19937 rng(std::uint32_t(v.colour_type * 100 + v.depth + (v.trns ? 7 : 0)));
    for (auto& r : rows)
        for (auto& b : r) b = (unsigned char)(rng() & 0xFF);
    if (v.colour_type == PNG_COLOR_TYPE_PALETTE && v.depth == 8)
        for (auto& r : rows)
            for (auto& b : r) b = (unsigned char)(b % 16);  // only the 16 palette entries

    std::vector<unsigned char> out;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        ADD_FAILURE() << v.name << ": libpng could not write it";
        return {};
    }
    png_set_write_fn(png, &out, append, nullptr);
    png_set_IHDR(png, info, w, h, v.depth, v.colour_type, v.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
    png_color palette[16];
    png_byte alphas[16];
    for (int i = 0; i < 16; ++i) {
        palette[i] = {png_byte(i * 16), png_byte(255 - i * 15), png_byte(i * 7)};
        alphas[i] = png_byte(i * 17);
    }
    if (v.colour_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_PLTE(png, info, palette, 1 << std::min(v.depth, 4));
        if (v.trns) png_set_tRNS(png, info, alphas, 1 << std::min(v.depth, 4), nullptr);
    } else if (v.trns) {
        png_color_16 key{};
        key.gray = 1;
        key.red = 2;
        key.green = 3;
        key.blue = 4;
        png_set_tRNS(png, info, nullptr, 0, &key);
    }
    png_write_info(png, info);
    std::vector<png_bytep> pointers;
    for (auto& r : rows) pointers.push_back(r.data());
    png_write_image(png, pointers.data());
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    return out;
}

const Variant kVariants[] = {
    {"grey1", PNG_COLOR_TYPE_GRAY, 1, false, false},
    {"grey2", PNG_COLOR_TYPE_GRAY, 2, false, false},
    {"grey4", PNG_COLOR_TYPE_GRAY, 4, false, true},
    {"grey8", PNG_COLOR_TYPE_GRAY, 8, false, false},
    {"grey8_trns", PNG_COLOR_TYPE_GRAY, 8, true, false},
    {"grey16", PNG_COLOR_TYPE_GRAY, 16, false, true},
    {"grey_alpha8", PNG_COLOR_TYPE_GRAY_ALPHA, 8, false, false},
    {"grey_alpha16", PNG_COLOR_TYPE_GRAY_ALPHA, 16, false, false},
    {"palette1", PNG_COLOR_TYPE_PALETTE, 1, false, false},
    {"palette4_trns", PNG_COLOR_TYPE_PALETTE, 4, true, true},
    {"palette8", PNG_COLOR_TYPE_PALETTE, 8, false, false},
    {"palette8_trns", PNG_COLOR_TYPE_PALETTE, 8, true, false},
    {"rgb8", PNG_COLOR_TYPE_RGB, 8, false, false},
    {"rgb8_trns", PNG_COLOR_TYPE_RGB, 8, true, false},
    {"rgb8_interlaced", PNG_COLOR_TYPE_RGB, 8, false, true},
    {"rgb16", PNG_COLOR_TYPE_RGB, 16, false, false},
    {"rgba8", PNG_COLOR_TYPE_RGB_ALPHA, 8, false, false},
    {"rgba16", PNG_COLOR_TYPE_RGB_ALPHA, 16, false, true},
};

}  // namespace

TEST(PngDecode, SameLayoutAndPixelsAsOpenCv) {
    for (const Variant& v : kVariants) {
        SCOPED_TRACE(v.name);
        const std::vector<unsigned char> bytes = write_png(v);
        ASSERT_FALSE(bytes.empty());
        const cv::Mat reference = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
        ASSERT_FALSE(reference.empty());
        const portrait::ImageHeader header = portrait::probe_image(bytes, v.name);
        const cv::Mat ours = portrait::decode_image(bytes, header, v.name).pixels;
        ASSERT_EQ(ours.type(), reference.type()) << "channels " << ours.channels() << " vs " << reference.channels();
        ASSERT_EQ(ours.size(), reference.size());
        EXPECT_EQ(cv::norm(ours, reference, cv::NORM_INF), 0.0);
    }
}

TEST(PngDecode, DamagedPixelDataFailsWithLibpngsReason) {
    std::vector<unsigned char> bytes = write_png({"rgb8", PNG_COLOR_TYPE_RGB, 8, false, false});
    // Inside IDAT's compressed data (after the 8-byte signature, IHDR's 25 bytes and IDAT's
    // length and type): the zlib stream breaks or its CRC no longer matches.
    for (std::size_t i = 8 + 25 + 8 + 4; i < 8 + 25 + 8 + 40; ++i) bytes[i] ^= 0x5A;
    const portrait::ImageHeader header = portrait::probe_image(bytes, "damaged.png");
    try {
        portrait::decode_image(bytes, header, "damaged.png");
        FAIL() << "a damaged PNG must not decode";
    } catch (const portrait::ImageError& e) {
        EXPECT_NE(std::string(e.what()).find("damaged.png: cannot decode png: "), std::string::npos) << e.what();
        EXPECT_GT(std::strlen(e.what()), std::strlen("damaged.png: cannot decode png: ")) << "libpng's reason is named";
    }
}
