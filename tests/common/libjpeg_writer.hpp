// A JPEG written with libjpeg's own API (jpeg_set_quality, as cjpeg and most programs do),
// for tests that need files OpenCV's encoder cannot make: CMYK, a chosen colour space, or a
// quality set the IJG way. Header-only; the test target links libjpeg.
#pragma once

#include <cstdlib>
#include <functional>
#include <vector>

#include <cstdio>  // jpeglib.h needs FILE
#include <jpeglib.h>

namespace portrait_test {

// `fill(y, row)` writes scanline y: width * components samples in `space`'s order.
inline std::vector<unsigned char> libjpeg_write(int width, int height, int components, J_COLOR_SPACE space,
                                                int quality,
                                                const std::function<void(int, unsigned char*)>& fill) {
    jpeg_compress_struct c;
    jpeg_error_mgr err;
    c.err = jpeg_std_error(&err);
    jpeg_create_compress(&c);
    unsigned char* mem = nullptr;
    unsigned long size = 0;
    jpeg_mem_dest(&c, &mem, &size);
    c.image_width = JDIMENSION(width);
    c.image_height = JDIMENSION(height);
    c.input_components = components;
    c.in_color_space = space;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    jpeg_start_compress(&c, TRUE);
    std::vector<unsigned char> row(std::size_t(width) * std::size_t(components));
    while (c.next_scanline < c.image_height) {
        fill(int(c.next_scanline), row.data());
        JSAMPROW r = row.data();
        jpeg_write_scanlines(&c, &r, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    std::vector<unsigned char> out(mem, mem + size);
    std::free(mem);
    return out;
}

}  // namespace portrait_test
