// Colour correction of a restored face before paste-back: the restored face keeps its own
// detail but takes its low-frequency colour from the original crop, so a restoration that
// shifts skin tones (GFPGAN#188, CodeFormer#121) is pasted in the original's colours. The
// original pipeline does no such thing; `none` is its behaviour.
#pragma once

#include <string>

#include <opencv2/core.hpp>

namespace portrait::gpen {

enum class ColorFix {
    none,
    mean_std,  // per BGR channel, shift and scale the restored face to the original's mean and
               // standard deviation over the pasted face area (AdaIN-style)
    wavelet,   // restored - lowpass(restored) + lowpass(original): a trous [1 2 1]/4 cascade,
               // 5 levels at S = 512 (coarsest step S/32), one more per doubling of S
};

ColorFix parse_color_fix(const std::string& name);  // throws std::invalid_argument

// restored: CV_32FC3 0..255 (S x S), original: the aligned crop, CV_8UC3 S x S.
// inside: CV_32FC1 0..1, how much of each crop pixel lies inside the source image (the rest is
// the black border, which must not pull the colour down). mask: CV_32FC1 paste mask 0..1.
// Returns CV_32FC3.
cv::Mat color_fix(const cv::Mat& restored, const cv::Mat& original, const cv::Mat& inside, const cv::Mat& mask,
                  ColorFix how);

// The wavelet method's low-pass: levels of the [1 2 1]/4 filter with steps 1, 2, 4, ...,
// replicated borders. Exposed for the tests.
cv::Mat wavelet_lowpass(const cv::Mat& image, int levels);
int wavelet_levels(int crop_size);

}  // namespace portrait::gpen
