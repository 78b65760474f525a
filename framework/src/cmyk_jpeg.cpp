#include "portrait/runtime/cmyk_jpeg.hpp"

#include <lcms2.h>

#include "jpeg_error.hpp"
#include "portrait/runtime/errors.hpp"

namespace portrait {

namespace {

struct Profile {
    cmsHPROFILE h;
    ~Profile() {
        if (h) cmsCloseProfile(h);
    }
};

struct Transform {
    cmsHTRANSFORM h;
    ~Transform() {
        if (h) cmsDeleteTransform(h);
    }
};

// Decodes the raw inks into `inks` (false: not a CMYK/YCCK JPEG). Adobe's marker means the
// file stores inverted values (0 = full ink), which is what Photoshop writes and what OpenCV
// assumes too. `inks` lives in the caller's frame, so nothing this frame holds in registers
// matters after a longjmp.
bool read_inks(const std::vector<unsigned char>& jpeg, const std::string& name, cv::Mat& inks, bool& inverted) {
    jpeg_decompress_struct c;
    JpegError err;
    c.err = jpeg_error_manager(err);
    if (setjmp(err.jump)) {
        jpeg_destroy_decompress(&c);
        throw ImageError(name + ": cannot decode CMYK JPEG: " + err.message);
    }
    jpeg_create_decompress(&c);
    jpeg_mem_src(&c, jpeg.data(), static_cast<unsigned long>(jpeg.size()));
    jpeg_read_header(&c, TRUE);
    if (c.jpeg_color_space != JCS_CMYK && c.jpeg_color_space != JCS_YCCK) {
        jpeg_destroy_decompress(&c);
        return false;
    }
    c.out_color_space = JCS_CMYK;
    jpeg_start_decompress(&c);
    inks.create(int(c.output_height), int(c.output_width), CV_8UC4);
    while (c.output_scanline < c.output_height) {
        JSAMPROW row = inks.ptr<unsigned char>(int(c.output_scanline));
        jpeg_read_scanlines(&c, &row, 1);
    }
    inverted = c.saw_Adobe_marker;
    jpeg_finish_decompress(&c);
    jpeg_destroy_decompress(&c);
    return true;
}

}  // namespace

cv::Mat decode_cmyk_jpeg_to_srgb(const std::vector<unsigned char>& jpeg, const std::vector<unsigned char>& icc,
                                 const std::string& name) {
    if (icc.empty()) return {};
    Profile in{cmsOpenProfileFromMemTHR(nullptr, icc.data(), cmsUInt32Number(icc.size()))};
    if (!in.h || cmsGetColorSpace(in.h) != cmsSigCmykData) return {};
    bool inverted = false;
    cv::Mat inks;
    if (!read_inks(jpeg, name, inks, inverted)) return {};
    Profile out{cmsCreate_sRGBProfileTHR(nullptr)};
    Transform t{cmsCreateTransformTHR(nullptr, in.h, inverted ? TYPE_CMYK_8_REV : TYPE_CMYK_8, out.h, TYPE_BGR_8,
                                      INTENT_PERCEPTUAL, 0)};
    if (!t.h) throw ImageError(name + ": its CMYK ICC profile cannot be used to convert to sRGB");
    cv::Mat bgr(inks.size(), CV_8UC3);
    for (int y = 0; y < inks.rows; ++y)
        cmsDoTransform(t.h, inks.ptr<unsigned char>(y), bgr.ptr<unsigned char>(y), cmsUInt32Number(inks.cols));
    return bgr;
}

std::vector<unsigned char> srgb_icc_profile() {
    Profile p{cmsCreate_sRGBProfileTHR(nullptr)};
    cmsUInt32Number size = 0;
    if (!p.h || !cmsSaveProfileToMem(p.h, nullptr, &size) || size == 0) return {};
    std::vector<unsigned char> bytes(size);
    if (!cmsSaveProfileToMem(p.h, bytes.data(), &size)) return {};
    return bytes;
}

}  // namespace portrait
