// JPEG pixels decoded with libjpeg(-turbo) directly rather than through OpenCV, which
// ignores libjpeg's warnings: a file whose scan data is damaged or missing fails here with
// libjpeg's reason instead of coming back as a grey-filled success. Internal to framework/src.
#pragma once

#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace portrait {

struct JpegPixels {
    cv::Mat pixels;         // 8-bit grey or BGR; CMYK inks (4 channels) when `cmyk`
    bool cmyk = false;      // a CMYK or YCCK file: `pixels` are the inks as stored
    bool inverted = false;  // Adobe's marker: stored inks are inverted (0 = full ink)
    double dpi_x = 0, dpi_y = 0;  // the JFIF density in pixels per inch, 0 when it has none
    int quality = 0;              // estimated from the quantisation tables (jpeg_quality.hpp); 0 = unknown
};

// Throws ImageError naming `name`: "<name>: corrupt JPEG data: <libjpeg's reason>" for
// damaged data, "<name>: cannot decode JPEG: ..." for an error.
JpegPixels decode_jpeg(const std::vector<unsigned char>& jpeg, const std::string& name);

}  // namespace portrait
