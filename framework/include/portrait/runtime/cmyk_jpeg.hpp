// CMYK JPEGs (print workflows) decoded through their embedded ICC profile. OpenCV turns CMYK
// into RGB with a fixed formula that ignores the profile, so colours shift with every press
// profile; with the profile, lcms2 maps the inks to sRGB as colour-managed software does.
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace portrait {

// CMYK inks (8-bit, 4 channels, as a CMYK or YCCK JPEG stores them; `inverted` when Adobe's
// marker says 0 = full ink) as 8-bit BGR in sRGB through `icc`; an empty Mat when `icc` is not
// a CMYK profile. Throws ImageError naming `name` when the profile cannot be used.
cv::Mat cmyk_to_srgb(const cv::Mat& inks, bool inverted, const std::vector<unsigned char>& icc,
                     const std::string& name);

// The same inks as 8-bit BGR by OpenCV's fixed formula: what a CMYK JPEG without a profile
// decodes to.
cv::Mat cmyk_to_bgr_uncalibrated(const cv::Mat& inks);

// The sRGB profile lcms2 builds, serialised: what a converted image is tagged with.
std::vector<unsigned char> srgb_icc_profile();

}  // namespace portrait
