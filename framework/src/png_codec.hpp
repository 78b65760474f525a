// PNG through libpng itself, so metadata goes where PNG readers look for it: iCCP with a
// real profile name (libpng refuses an empty one), pHYs for the resolution, eXIf for EXIF,
// an iTXt "XML:com.adobe.xmp" for XMP. Internal to framework/src.
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "portrait/runtime/metadata.hpp"

namespace portrait {

// 8/16-bit, 1-4 channel (grey, grey+alpha, BGR, BGRA) image as PNG at zlib `compression`
// 0..9. The profile goes through libpng's own checks first, the ones every libpng reader
// repeats: one it refuses is dropped; one it knows as a broken or outdated sRGB profile is
// written as an sRGB chunk, which says the same without the reader's warning. What was done
// goes to `warnings`. Throws ImageError with libpng's message.
std::vector<unsigned char> encode_png(const cv::Mat& image, int compression, const OutputMetadata& metadata,
                                      std::vector<std::string>* warnings);

// The pHYs resolution of a PNG in pixels per inch; 0, 0 when it states none (or only an
// aspect ratio).
void read_png_resolution(const std::vector<unsigned char>& png, double& dpi_x, double& dpi_y);

}  // namespace portrait
