#include "png_codec.hpp"

#include <cmath>
#include <cstring>

#include <png.h>

#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/logging.hpp"

namespace portrait {
namespace {

// The profile's name in iCCP: any 1-79 Latin-1 characters; this is what libpng's and
// ImageMagick's writers use.
const char* const kProfileName = "ICC Profile";

struct Messages {
    std::vector<std::string> warnings;
    std::string error;
};

void on_warning(png_structp png, png_const_charp message) {
    static_cast<Messages*>(png_get_error_ptr(png))->warnings.push_back(message);
}

void on_error(png_structp png, png_const_charp message) {
    static_cast<Messages*>(png_get_error_ptr(png))->error = message;
    png_longjmp(png, 1);
}

std::string joined(const Messages& m) {
    std::string s = m.error;
    for (const auto& w : m.warnings) s += (s.empty() ? "" : "; ") + w;
    return s;
}

// What libpng makes of a profile on a PNG of `color_type`: the checks its readers repeat.
struct ProfileVerdict {
    bool accepted = false;  // libpng stores it
    bool srgb = false;      // libpng recognises it as one of the sRGB profiles it knows
    int intent = 0;
    Messages messages;      // what a reader would print about it
};

// A scratch write struct, benign errors as warnings, so every complaint is collected.
// `v` lives in the caller's frame (nothing here is needed after a longjmp).
void check_profile_into(const std::vector<unsigned char>& icc, int color_type, ProfileVerdict& v) {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &v.messages, on_error, on_warning);
    if (!png) return;
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        v.accepted = false;
        png_destroy_write_struct(&png, &info);
        return;
    }
    png_set_benign_errors(png, 1);
    png_set_IHDR(png, info, 1, 1, 8, color_type, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE,
                 PNG_FILTER_TYPE_BASE);
    png_set_iCCP(png, info, kProfileName, PNG_COMPRESSION_TYPE_BASE, icc.data(), png_uint_32(icc.size()));
    v.accepted = png_get_valid(png, info, PNG_INFO_iCCP) != 0;
    v.srgb = png_get_sRGB(png, info, &v.intent) != 0;
    png_destroy_write_struct(&png, &info);
}

void append(png_structp png, png_bytep data, png_size_t n) {
    auto* out = static_cast<std::vector<unsigned char>*>(png_get_io_ptr(png));
    out->insert(out->end(), data, data + n);
}

png_uint_32 per_metre(double dpi) { return png_uint_32(std::lround(dpi / 0.0254)); }

// pHYs counts whole pixels per metre, so 300 dpi is stored as 11811 (299.9994 dpi). The
// whole dpi that stores as the same count is what the writer meant; it writes back the same.
double inches_of(png_uint_32 per_metre_count) {
    const double dpi = per_metre_count * 0.0254, whole = std::round(dpi);
    return per_metre(whole) == per_metre_count ? whole : dpi;
}

enum class Colour { none, iccp, srgb_chunk };

struct PngOut {
    std::vector<unsigned char> bytes;
    Messages messages;
};

// `out` lives in the caller's frame; only trivially destructible locals here.
void write_into(const cv::Mat& img, int compression, const OutputMetadata& m, Colour colour, int intent,
                PngOut& out) {
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &out.messages, on_error, on_warning);
    if (!png) throw ImageError("cannot encode as png: libpng cannot start");
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        throw ImageError("cannot encode as png: " + out.messages.error);
    }
    png_set_write_fn(png, &out.bytes, append, nullptr);
    const int ch = img.channels();
    const int type = ch == 1 ? PNG_COLOR_TYPE_GRAY
                     : ch == 2 ? PNG_COLOR_TYPE_GRAY_ALPHA
                     : ch == 3 ? PNG_COLOR_TYPE_RGB
                               : PNG_COLOR_TYPE_RGB_ALPHA;
    png_set_IHDR(png, info, png_uint_32(img.cols), png_uint_32(img.rows), img.depth() == CV_16U ? 16 : 8, type,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
    png_set_compression_level(png, compression);
    if (colour == Colour::iccp)
        png_set_iCCP(png, info, kProfileName, PNG_COMPRESSION_TYPE_BASE, m.icc.data(), png_uint_32(m.icc.size()));
    else if (colour == Colour::srgb_chunk)
        png_set_sRGB_gAMA_and_cHRM(png, info, intent);
    if (m.dpi_x > 0 && m.dpi_y > 0)
        png_set_pHYs(png, info, per_metre(m.dpi_x), per_metre(m.dpi_y), PNG_RESOLUTION_METER);
    if (!m.exif.empty())
        png_set_eXIf_1(png, info, png_uint_32(m.exif.size()), const_cast<png_bytep>(m.exif.data()));
    png_text xmp;
    std::memset(&xmp, 0, sizeof xmp);
    if (!m.xmp.empty()) {
        // Uncompressed, as Adobe's XMP specification asks, so packet scanners find it.
        xmp.compression = PNG_ITXT_COMPRESSION_NONE;
        xmp.key = const_cast<png_charp>("XML:com.adobe.xmp");
        xmp.text = const_cast<png_charp>(m.xmp.c_str());
        xmp.itxt_length = m.xmp.size();
        xmp.lang = const_cast<png_charp>("");
        xmp.lang_key = const_cast<png_charp>("");
        png_set_text(png, info, &xmp, 1);
    }
    png_write_info(png, info);
    if (ch >= 3) png_set_bgr(png);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (img.depth() == CV_16U) png_set_swap(png);  // PNG samples are big-endian
#endif
    for (int y = 0; y < img.rows; ++y) png_write_row(png, img.ptr<unsigned char>(y));
    // No info here: everything went before the image data, and libpng 1.6 would write eXIf
    // a second time after it ("multiple eXIf not allowed").
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
}

struct PngIn {
    const std::vector<unsigned char>* bytes = nullptr;
    std::size_t at = 0;
    Messages messages;
};

void read_from(png_structp png, png_bytep out, png_size_t n) {
    auto* in = static_cast<PngIn*>(png_get_io_ptr(png));
    if (n > in->bytes->size() - in->at) png_error(png, "truncated");
    std::memcpy(out, in->bytes->data() + in->at, n);
    in->at += n;
}

}  // namespace

std::vector<unsigned char> encode_png(const cv::Mat& image, int compression, const OutputMetadata& metadata,
                                      std::vector<std::string>* warnings) {
    if ((image.depth() != CV_8U && image.depth() != CV_16U) || image.channels() < 1 || image.channels() > 4)
        throw ImageError("cannot encode as png: only 8/16-bit images with 1 to 4 channels");
    Colour colour = Colour::none;
    int intent = 0;
    if (!metadata.icc.empty()) {
        ProfileVerdict v;
        check_profile_into(metadata.icc, image.channels() >= 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY, v);
        const std::string said = joined(v.messages);
        if (!v.accepted) {
            if (warnings) warnings->push_back("ICC profile dropped from the PNG: libpng refuses it (" + said + ")");
        } else if (v.srgb && !said.empty()) {
            colour = Colour::srgb_chunk;
            intent = v.intent;
            // Nothing is lost (the chunk says what the profile says), so it is no warning: a
            // batch of camera PNGs would otherwise get one per image.
            host_logger().debug("ICC profile written as a PNG sRGB chunk: libpng knows it as an sRGB profile and "
                                "every libpng reader would warn about it ({})", said);
        } else {
            colour = Colour::iccp;
            if (!said.empty() && warnings) warnings->push_back("ICC profile kept; libpng readers will warn: " + said);
        }
    }
    PngOut out;
    write_into(image, compression, metadata, colour, intent, out);
    return std::move(out.bytes);
}

bool harmless_png_warning(const std::string& message) {
    // "known incorrect sRGB profile", "out-of-date sRGB profile with no signature", "Not
    // recognizing known sRGB profile that has been edited": libpng found one of the sRGB
    // profiles it knows, so the pixels are sRGB, as they are read anyway.
    return message.find("sRGB profile") != std::string::npos;
}

namespace {

// `in`, `out` and `rows` live in the caller's frame (nothing here is needed after a longjmp).
void decode_into(PngIn& in, PngPixels& out, std::vector<unsigned char*>& rows) {
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &in.messages, on_error, on_warning);
    if (!png) {
        in.messages.error = "libpng cannot start";
        return;
    }
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, nullptr);
        if (in.messages.error.empty()) in.messages.error = "corrupt data";
        return;
    }
    png_set_read_fn(png, &in, read_from);
    png_read_info(png, info);
    png_uint_32 width = 0, height = 0;
    int depth = 0, type = 0;
    png_get_IHDR(png, info, &width, &height, &depth, &type, nullptr, nullptr, nullptr);
    png_uint_32 x = 0, y = 0;
    int unit = PNG_RESOLUTION_UNKNOWN;
    if (png_get_pHYs(png, info, &x, &y, &unit) && unit == PNG_RESOLUTION_METER && x && y) {
        out.dpi_x = inches_of(x);
        out.dpi_y = inches_of(y);
    }
    // The layout cv::imdecode(IMREAD_UNCHANGED) gives, which the stages were written for:
    // grey stays one channel (a tRNS colour key is not applied), colour is BGR, any alpha
    // (a channel or a tRNS key of a colour image) makes it BGRA, grey+alpha included.
    const bool trns = png_get_valid(png, info, PNG_INFO_tRNS) != 0;
    const bool colour = (type & PNG_COLOR_MASK_COLOR) != 0;
    const int channels = (type & PNG_COLOR_MASK_ALPHA) || (colour && trns) ? 4 : colour ? 3 : 1;
    if (channels == 4)
        png_set_tRNS_to_alpha(png);
    else
        png_set_strip_alpha(png);
    if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (!colour && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (colour)
        png_set_bgr(png);
    else if (channels == 4)
        png_set_gray_to_rgb(png);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (depth == 16) png_set_swap(png);  // PNG samples are big-endian
#endif
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    const int cv_type = CV_MAKETYPE(depth == 16 ? CV_16U : CV_8U, channels);
    out.pixels.create(int(height), int(width), cv_type);
    if (png_get_rowbytes(png, info) != out.pixels.step[0]) png_error(png, "unexpected row layout");
    rows.resize(height);
    for (png_uint_32 r = 0; r < height; ++r) rows[r] = out.pixels.ptr<unsigned char>(int(r));
    png_read_image(png, rows.data());
    png_read_end(png, nullptr);  // a missing end or a damaged chunk after the pixels fails too
    png_destroy_read_struct(&png, &info, nullptr);
    out.ok = true;
}

}  // namespace

PngPixels decode_png(const std::vector<unsigned char>& png, const std::string& name) {
    PngIn in;
    in.bytes = &png;
    PngPixels out;
    std::vector<unsigned char*> rows;
    decode_into(in, out, rows);
    if (!out.ok) throw ImageError(name + ": cannot decode png: " + in.messages.error);
    out.warnings = std::move(in.messages.warnings);
    return out;
}

}  // namespace portrait
