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
    double dpi_x = 0, dpi_y = 0;          // resolution in pixels per inch, 0 = not stated
    bool empty() const { return icc.empty() && !exiv && dpi_x <= 0; }
};

// Metadata serialised as a container stores it: what the PNG and WebP writers put in their
// own chunks through their own libraries (libpng, libwebpmux).
struct OutputMetadata {
    std::vector<unsigned char> icc;   // fits the output's channels; empty if none
    std::vector<unsigned char> exif;  // TIFF-structured EXIF ("II*\0..."), empty if none
    std::string xmp;                  // XMP packet, empty if none
    double dpi_x = 0, dpi_y = 0;      // pixels per inch, 0 = not stated
};

// Reads EXIF, XMP and the ICC profile from encoded bytes, and the resolution EXIF states.
// Never throws: a file exiv2 cannot parse has no metadata, and the reason goes to `warnings`.
// (A format's own resolution field, JFIF density or PNG pHYs, is read by its decoder.)
ImageMetadata read_metadata(const unsigned char* data, std::size_t size, std::vector<std::string>* warnings);

// What an output of `size` pixels and `channels` carries: EXIF with orientation 1, the
// pixel dimensions of `size`, the resolution, the stale embedded thumbnail removed; XMP to
// match; the ICC profile only when its colour space fits `channels` (1 = grey, 3/4 = RGB).
OutputMetadata output_metadata(const ImageMetadata& metadata, cv::Size size, int channels,
                               std::vector<std::string>* warnings);

// Writes that metadata into encoded JPEG, WebP or TIFF bytes, each through the path its
// format's readers expect: exiv2 for JPEG (APP1/APP2, and the JFIF density) and TIFF (IFD
// tags), libwebpmux for WebP (ICCP/EXIF/XMP chunks and the VP8X header that declares them).
// PNG metadata is written by the PNG encoder itself (libpng; see encode_image). Returns the
// new bytes. Throws ImageError when the result cannot be written.
std::vector<unsigned char> embed_metadata(const std::vector<unsigned char>& encoded, const std::string& format,
                                          const ImageMetadata& metadata, cv::Size size, int channels,
                                          std::vector<std::string>* warnings);

// The colour space an ICC profile declares, as lcms2 reads it: "RGB", "GRAY", "CMYK",
// another four-letter signature, or "" when the bytes are not a valid profile.
std::string icc_colour_space(const std::vector<unsigned char>& icc);

// Orientation 1..8 applied to pixels: the image turned upright.
cv::Mat apply_orientation(const cv::Mat& image, int orientation);

}  // namespace portrait
