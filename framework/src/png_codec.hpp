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
// written as an sRGB chunk, which says the same without the reader's warning (logged at
// debug: nothing is lost). A profile dropped or kept with a complaint goes to `warnings`.
// Throws ImageError with libpng's message.
std::vector<unsigned char> encode_png(const cv::Mat& image, int compression, const OutputMetadata& metadata,
                                      std::vector<std::string>* warnings);

// A PNG's pixels through libpng directly rather than through OpenCV, whose reader lets
// libpng print its warnings on stderr (past the progress bar and the log level): here
// they are collected. The layout is cv::imdecode's with IMREAD_UNCHANGED: 8 or 16 bits,
// grey, BGR or BGRA. Throws ImageError "<name>: cannot decode png: <libpng's reason>".
struct PngPixels {
    cv::Mat pixels;
    double dpi_x = 0, dpi_y = 0;        // pHYs in pixels per inch; 0 when it states none
    std::vector<std::string> warnings;  // libpng's, as it words them ("iCCP: ...")
    bool ok = false;
};
PngPixels decode_png(const std::vector<unsigned char>& png, const std::string& name);

// True for the libpng warnings that say nothing about the pixels a reader gets, such as
// "iCCP: known incorrect sRGB profile" (a profile libpng knows is sRGB): debug level only.
bool harmless_png_warning(const std::string& message);

}  // namespace portrait
