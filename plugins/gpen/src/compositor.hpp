// Paste-back (spec §3.8): restored faces are warped back into the output and blended
// over the background with the feathered mask. Where faces overlap, the face with the
// larger mask value wins the pixel outright (no cross-blending), earlier faces on ties.
#pragma once

#include <opencv2/core.hpp>

namespace portrait::gpen {

// Bounding box (clipped to `image`) of the S x S crop mapped by crop_to_out.
cv::Rect footprint(const cv::Matx23d& crop_to_out, int size, cv::Size image);

class Compositor {
public:
    // output: CV_8UC3 BGR, the upsampled background; faces are blended into it in place.
    // region: where faces can land (union of their footprints), bounds the scratch memory.
    // mask: CV_32FC1 S x S paste mask.
    Compositor(cv::Mat& output, cv::Rect region, cv::Mat mask);

    // face: CV_8UC3 or CV_32FC3 BGR 0..255, S x S; crop_to_out maps crop pixels to output pixels.
    void add(const cv::Mat& face, const cv::Matx23d& crop_to_out);

private:
    cv::Mat& out_;
    cv::Rect region_;
    cv::Mat mask_;
    cv::Mat background_;  // region of the output before any face, CV_8UC3
    cv::Mat best_;        // largest mask value so far per pixel of region, CV_32FC1
};

}  // namespace portrait::gpen
