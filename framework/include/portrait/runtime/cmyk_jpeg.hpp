// CMYK JPEGs (print workflows) decoded through their embedded ICC profile. OpenCV turns CMYK
// into RGB with a fixed formula that ignores the profile, so colours shift with every press
// profile; with the profile, lcms2 maps the inks to sRGB as colour-managed software does.
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace portrait {

// The image as 8-bit BGR in sRGB, when `jpeg` is a CMYK or YCCK JPEG and `icc` a CMYK
// profile; an empty Mat otherwise (the caller decodes as usual). Throws ImageError when the
// data cannot be decoded or the profile cannot be used.
cv::Mat decode_cmyk_jpeg_to_srgb(const std::vector<unsigned char>& jpeg, const std::vector<unsigned char>& icc,
                                 const std::string& name);

// The sRGB profile lcms2 builds, serialised: what a converted image is tagged with.
std::vector<unsigned char> srgb_icc_profile();

}  // namespace portrait
