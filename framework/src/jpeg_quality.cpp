#include "jpeg_quality.hpp"

#include <cstdlib>
#include <limits>

#include "jpeg_error.hpp"
#include "portrait/runtime/image_io.hpp"

namespace portrait {
namespace {

// ITU-T T.81 Annex K.1 and K.2, in natural (row-major) order, as libjpeg keeps them.
const unsigned kLuma[64] = {16, 11, 10, 16, 24,  40,  51,  61,  12, 12, 14, 19, 26,  58,  60,  55,
                            14, 13, 16, 24, 40,  57,  69,  56,  14, 17, 22, 29, 51,  87,  80,  62,
                            18, 22, 37, 56, 68,  109, 103, 77,  24, 35, 55, 64, 81,  104, 113, 92,
                            49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99};
const unsigned kChroma[64] = {17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
                              24, 26, 56, 99, 99, 99, 99, 99, 47, 66, 99, 99, 99, 99, 99, 99,
                              99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
                              99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99};

// The IJG scaling: percentage 5000/q below 50, 200 - 2q above; rounded, 1..255 (baseline).
unsigned scaled(unsigned base, int quality) {
    const long percent = quality < 50 ? 5000 / quality : 200 - 2 * quality;
    long v = (long(base) * percent + 50) / 100;
    if (v < 1) v = 1;
    if (v > 255) v = 255;
    return unsigned(v);
}

long distance(const JQUANT_TBL* t, const unsigned* base, int quality) {
    long d = 0;
    for (int i = 0; i < 64; ++i) d += std::labs(long(t->quantval[i]) - long(scaled(base[i], quality)));
    return d;
}

}  // namespace

int jpeg_quality_of_header(const jpeg_decompress_struct& c) {
    if (c.num_components < 1) return 0;
    const int luma_no = c.comp_info[0].quant_tbl_no;
    const JQUANT_TBL* luma = luma_no >= 0 && luma_no < NUM_QUANT_TBLS ? c.quant_tbl_ptrs[luma_no] : nullptr;
    if (!luma) return 0;
    // Chroma from the second component's table, when it has its own (not CMYK's four inks).
    const JQUANT_TBL* chroma = nullptr;
    if (c.num_components == 3 && c.jpeg_color_space == JCS_YCbCr) {
        const int no = c.comp_info[1].quant_tbl_no;
        if (no != luma_no && no >= 0 && no < NUM_QUANT_TBLS) chroma = c.quant_tbl_ptrs[no];
    }
    int best = 0;
    long best_d = std::numeric_limits<long>::max();
    for (int q = 1; q <= 100; ++q) {
        const long d = distance(luma, kLuma, q) + (chroma ? distance(chroma, kChroma, q) : 0);
        if (d < best_d) {
            best_d = d;
            best = q;
        }
    }
    return best;
}

int estimate_jpeg_quality(const std::vector<unsigned char>& bytes) {
    jpeg_decompress_struct c;
    JpegError err;
    c.err = jpeg_error_manager(err);
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&c);
        return 0;
    }
    jpeg_create_decompress(&c);
    jpeg_mem_src(&c, bytes.data(), static_cast<unsigned long>(bytes.size()));
    jpeg_read_header(&c, TRUE);
    const int q = jpeg_quality_of_header(c);
    jpeg_destroy_decompress(&c);
    return q;
}

}  // namespace portrait
