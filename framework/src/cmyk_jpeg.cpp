#include "portrait/runtime/cmyk_jpeg.hpp"

#include <lcms2.h>

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

}  // namespace

cv::Mat cmyk_to_srgb(const cv::Mat& inks, bool inverted, const std::vector<unsigned char>& icc,
                     const std::string& name) {
    if (icc.empty()) return {};
    Profile in{cmsOpenProfileFromMemTHR(nullptr, icc.data(), cmsUInt32Number(icc.size()))};
    if (!in.h || cmsGetColorSpace(in.h) != cmsSigCmykData) return {};
    Profile out{cmsCreate_sRGBProfileTHR(nullptr)};
    Transform t{cmsCreateTransformTHR(nullptr, in.h, inverted ? TYPE_CMYK_8_REV : TYPE_CMYK_8, out.h, TYPE_BGR_8,
                                      INTENT_PERCEPTUAL, 0)};
    if (!t.h) throw ImageError(name + ": its CMYK ICC profile cannot be used to convert to sRGB");
    cv::Mat bgr(inks.size(), CV_8UC3);
    for (int y = 0; y < inks.rows; ++y)
        cmsDoTransform(t.h, inks.ptr<unsigned char>(y), bgr.ptr<unsigned char>(y), cmsUInt32Number(inks.cols));
    return bgr;
}

cv::Mat cmyk_to_bgr_uncalibrated(const cv::Mat& inks) {
    // OpenCV's formula (icvCvt_CMYK2BGR_8u_C4C3R), for stored values as Adobe writes them.
    cv::Mat bgr(inks.size(), CV_8UC3);
    for (int y = 0; y < inks.rows; ++y) {
        const unsigned char* s = inks.ptr<unsigned char>(y);
        unsigned char* d = bgr.ptr<unsigned char>(y);
        for (int x = 0; x < inks.cols; ++x, s += 4, d += 3) {
            const int k = s[3];
            d[2] = uchar(k - ((255 - s[0]) * k >> 8));
            d[1] = uchar(k - ((255 - s[1]) * k >> 8));
            d[0] = uchar(k - ((255 - s[2]) * k >> 8));
        }
    }
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
