#include "jpeg_decode.hpp"

#include "jpeg_error.hpp"
#include "jpeg_quality.hpp"
#include "portrait/runtime/errors.hpp"

namespace portrait {
namespace {

// Decodes into `out`, which lives in the caller's frame: after a longjmp nothing this frame
// holds in registers is used, and no object with a destructor is skipped.
void decode_into(const std::vector<unsigned char>& jpeg, const std::string& name, JpegPixels& out) {
    jpeg_decompress_struct c;
    JpegError err;
    c.err = jpeg_error_manager(err);
    err.fail_on_corrupt_data = true;
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&c);
        throw ImageError(name + ": " + (err.corrupt ? corrupt_jpeg_reason(err) : "cannot decode JPEG: " +
                                                                                  std::string(err.message)));
    }
    jpeg_create_decompress(&c);
    jpeg_mem_src(&c, jpeg.data(), static_cast<unsigned long>(jpeg.size()));
    jpeg_read_header(&c, TRUE);
    out.quality = jpeg_quality_of_header(c);
    // What OpenCV's reader gives for each colour space (libjpeg-turbo writes BGR itself).
    int type = CV_8UC3;
    if (c.jpeg_color_space == JCS_CMYK || c.jpeg_color_space == JCS_YCCK) {
        c.out_color_space = JCS_CMYK;
        type = CV_8UC4;
        out.cmyk = true;
    } else if (c.num_components == 1) {
        c.out_color_space = JCS_GRAYSCALE;
        type = CV_8UC1;
    } else {
        c.out_color_space = JCS_EXT_BGR;
    }
    if (c.saw_JFIF_marker && (c.density_unit == 1 || c.density_unit == 2) && c.X_density && c.Y_density) {
        const double per_inch = c.density_unit == 1 ? 1.0 : 2.54;
        out.dpi_x = c.X_density * per_inch;
        out.dpi_y = c.Y_density * per_inch;
    }
    jpeg_start_decompress(&c);
    out.pixels.create(int(c.output_height), int(c.output_width), type);
    JSAMPROW rows[16];
    while (c.output_scanline < c.output_height) {
        const JDIMENSION first = c.output_scanline;
        const JDIMENSION n = std::min<JDIMENSION>(16, c.output_height - first);
        for (JDIMENSION i = 0; i < n; ++i) rows[i] = out.pixels.ptr<unsigned char>(int(first + i));
        jpeg_read_scanlines(&c, rows, n);
    }
    out.inverted = c.saw_Adobe_marker;
    jpeg_finish_decompress(&c);  // reads to the end marker: damage after the last row shows here
    jpeg_destroy_decompress(&c);
}

}  // namespace

JpegPixels decode_jpeg(const std::vector<unsigned char>& jpeg, const std::string& name) {
    JpegPixels out;
    decode_into(jpeg, name, out);
    return out;
}

}  // namespace portrait
