// Image metadata carried from input to output: EXIF and XMP (through exiv2) and the
// ICC profile (checked with lcms2). The output is written upright, so orientation is
// reset to 1 and the pixel dimensions follow the written image.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace portrait {

struct ExivPayload;  // exiv2's EXIF and XMP data, kept out of this header

struct ImageMetadata {
    int orientation = 1;                  // EXIF orientation 1..8 as stored
    std::vector<unsigned char> icc;       // ICC profile bytes, empty if none
    std::shared_ptr<const ExivPayload> exiv;  // EXIF + XMP, null if none
    bool empty() const { return icc.empty() && !exiv; }
};

// Reads EXIF, XMP and the ICC profile from encoded bytes. Never throws: a file exiv2
// cannot parse has no metadata, and the reason goes to `warnings`.
ImageMetadata read_metadata(const unsigned char* data, std::size_t size, std::vector<std::string>* warnings);

// Writes metadata into encoded image bytes (JPEG, PNG, WebP, TIFF): orientation 1,
// pixel dimensions of `size`, the stale embedded thumbnail removed; the ICC profile only
// when its colour space fits `channels` (1 = grey, 3/4 = RGB). Returns the new bytes.
// Throws ImageError when exiv2 cannot write the result.
std::vector<unsigned char> embed_metadata(const std::vector<unsigned char>& encoded, const std::string& format,
                                          const ImageMetadata& metadata, cv::Size size, int channels,
                                          std::vector<std::string>* warnings);

// The colour space an ICC profile declares, as lcms2 reads it: "RGB", "GRAY", "CMYK",
// another four-letter signature, or "" when the bytes are not a valid profile.
std::string icc_colour_space(const std::vector<unsigned char>& icc);

// Orientation 1..8 applied to pixels: the image turned upright.
cv::Mat apply_orientation(const cv::Mat& image, int orientation);

}  // namespace portrait
