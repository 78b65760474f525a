// Header reading with each format's own library (libjpeg, libpng, libwebp, libtiff):
// size, channels and depth without decoding a pixel, so the batch can refuse an image
// that would not fit before allocating it.
#include <cstdio>
#include <cstring>
#include <mutex>

#include <jpeglib.h>
#include <png.h>
#include <tiffio.h>
#include <webp/decode.h>

#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/image_io.hpp"
#include "jpeg_error.hpp"

namespace portrait {
namespace {

bool starts_with(const std::vector<unsigned char>& b, const char* magic, std::size_t n, std::size_t at = 0) {
    return b.size() >= at + n && std::memcmp(b.data() + at, magic, n) == 0;
}

ImageHeader probe_jpeg(const std::vector<unsigned char>& b, const std::string& name) {
    jpeg_decompress_struct cinfo;
    JpegError err;
    cinfo.err = jpeg_error_manager(err);
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&cinfo);
        throw ImageError(name + ": bad JPEG header: " + err.message);
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, b.data(), static_cast<unsigned long>(b.size()));
    jpeg_read_header(&cinfo, TRUE);
    ImageHeader h;
    h.format = "jpeg";
    h.width = int(cinfo.image_width);
    h.height = int(cinfo.image_height);
    h.channels = cinfo.num_components == 1 ? 1 : 3;  // CMYK/YCCK decode to BGR
    h.depth_bytes = 1;
    jpeg_destroy_decompress(&cinfo);
    return h;
}

ImageHeader probe_png(const std::vector<unsigned char>& b, const std::string& name) {
    png_image img;
    std::memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_memory(&img, b.data(), b.size())) {
        std::string msg = img.message;
        png_image_free(&img);
        throw ImageError(name + ": bad PNG header: " + msg);
    }
    ImageHeader h;
    h.format = "png";
    h.width = int(img.width);
    h.height = int(img.height);
    const bool alpha = img.format & PNG_FORMAT_FLAG_ALPHA;
    const bool colour = img.format & (PNG_FORMAT_FLAG_COLOR | PNG_FORMAT_FLAG_COLORMAP);
    h.channels = alpha ? 4 : colour ? 3 : 1;
    h.depth_bytes = (img.format & PNG_FORMAT_FLAG_LINEAR) ? 2 : 1;
    png_image_free(&img);
    return h;
}

ImageHeader probe_webp(const std::vector<unsigned char>& b, const std::string& name) {
    WebPBitstreamFeatures f;
    if (WebPGetFeatures(b.data(), b.size(), &f) != VP8_STATUS_OK) throw ImageError(name + ": bad WebP header");
    ImageHeader h;
    h.format = "webp";
    h.width = f.width;
    h.height = f.height;
    h.channels = f.has_alpha ? 4 : 3;
    return h;
}

// --- TIFF: libtiff reads through client callbacks over the bytes in memory.
struct MemTiff {
    const std::vector<unsigned char>* bytes;
    toff_t pos = 0;
};
tmsize_t tiff_read(thandle_t h, void* buf, tmsize_t n) {
    auto* m = static_cast<MemTiff*>(h);
    const toff_t size = m->bytes->size();
    if (m->pos >= size) return 0;
    const tmsize_t k = tmsize_t(std::min<toff_t>(toff_t(n), size - m->pos));
    std::memcpy(buf, m->bytes->data() + m->pos, std::size_t(k));
    m->pos += toff_t(k);
    return k;
}
tmsize_t tiff_write(thandle_t, void*, tmsize_t) { return 0; }
toff_t tiff_seek(thandle_t h, toff_t off, int whence) {
    auto* m = static_cast<MemTiff*>(h);
    const toff_t size = m->bytes->size();
    toff_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m->pos : size;
    m->pos = base + off;
    return m->pos;
}
int tiff_close(thandle_t) { return 0; }
toff_t tiff_size(thandle_t h) { return static_cast<MemTiff*>(h)->bytes->size(); }
int tiff_map(thandle_t, void**, toff_t*) { return 0; }
void tiff_unmap(thandle_t, void*, toff_t) {}

ImageHeader probe_tiff(const std::vector<unsigned char>& b, const std::string& name) {
    static std::once_flag quiet;
    std::call_once(quiet, [] {  // libtiff prints to stderr by default; our messages say it instead
        TIFFSetWarningHandler(nullptr);
        TIFFSetErrorHandler(nullptr);
    });
    MemTiff mem{&b};
    TIFF* t = TIFFClientOpen(name.c_str(), "rm", &mem, tiff_read, tiff_write, tiff_seek, tiff_close, tiff_size,
                             tiff_map, tiff_unmap);
    if (!t) throw ImageError(name + ": bad TIFF header");
    uint32_t w = 0, hgt = 0;
    uint16_t spp = 1, bps = 8;
    TIFFGetField(t, TIFFTAG_IMAGEWIDTH, &w);
    TIFFGetField(t, TIFFTAG_IMAGELENGTH, &hgt);
    TIFFGetFieldDefaulted(t, TIFFTAG_SAMPLESPERPIXEL, &spp);
    TIFFGetFieldDefaulted(t, TIFFTAG_BITSPERSAMPLE, &bps);
    TIFFClose(t);
    ImageHeader h;
    h.format = "tiff";
    h.width = int(std::min<uint32_t>(w, 0x7fffffff));
    h.height = int(std::min<uint32_t>(hgt, 0x7fffffff));
    h.channels = spp == 1 ? 1 : spp == 3 ? 3 : 4;
    h.depth_bytes = bps > 8 ? 2 : 1;
    return h;
}

// BMP's header is a fixed little-endian struct: width and height at bytes 18 and 22.
ImageHeader probe_bmp(const std::vector<unsigned char>& b, const std::string& name) {
    if (b.size() < 30) throw ImageError(name + ": truncated BMP header");
    auto le32 = [&](std::size_t at) {
        return int32_t(uint32_t(b[at]) | uint32_t(b[at + 1]) << 8 | uint32_t(b[at + 2]) << 16 |
                       uint32_t(b[at + 3]) << 24);
    };
    ImageHeader h;
    h.format = "bmp";
    h.width = le32(18);
    const int32_t ht = le32(22);
    h.height = ht == INT32_MIN ? 0 : std::abs(ht);
    const int bpp = int(b[28]) | int(b[29]) << 8;
    h.channels = bpp == 32 ? 4 : bpp == 8 ? 3 : 3;
    return h;
}

}  // namespace

ImageHeader probe_image(const std::vector<unsigned char>& b, const std::string& name) {
    if (b.empty()) throw ImageError(name + ": empty file (0 bytes)");
    ImageHeader h;
    if (starts_with(b, "\xFF\xD8\xFF", 3))
        h = probe_jpeg(b, name);
    else if (starts_with(b, "\x89PNG\r\n\x1A\n", 8))
        h = probe_png(b, name);
    else if (starts_with(b, "RIFF", 4) && starts_with(b, "WEBP", 4, 8))
        h = probe_webp(b, name);
    else if (starts_with(b, "II*\0", 4) || starts_with(b, "MM\0*", 4))
        h = probe_tiff(b, name);
    else if (starts_with(b, "BM", 2))
        h = probe_bmp(b, name);
    else
        throw ImageError(name + ": not an image (the bytes are not JPEG, PNG, WebP, TIFF or BMP)");
    if (h.width <= 0 || h.height <= 0)
        throw ImageError(name + ": bad " + h.format + " header (size " + std::to_string(h.width) + "x" +
                         std::to_string(h.height) + ")");
    if (h.pixels() > kMaxImagePixels)
        throw ImageError(name + ": header says " + std::to_string(h.width) + "x" + std::to_string(h.height) + " (" +
                         std::to_string(h.pixels() / 1000000) + " MP), over the " +
                         std::to_string(kMaxImagePixels / 1000000) + " MP limit; refused before decoding");
    return h;
}

}  // namespace portrait
