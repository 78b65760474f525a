// The GPEN stage's algorithm without the networks: select faces, align each to the
// template (spec §3.5), restore in batches, blend with the original crop (alpha), and
// paste back over the upsampled background (spec §3.8).
#pragma once

#include <functional>
#include <vector>

#include <opencv2/core.hpp>
#include <portrait/frame.hpp>

#include "face_select.hpp"
#include "restorer.hpp"

namespace portrait::gpen {

struct EnhanceOptions {
    int scale = 1;       // output size factor (1 or 2)
    double alpha = 1.0;  // 1 = restored face, 0 = original face
    FaceSelection select;
    int batch = 1;       // faces per network call
};

struct EnhanceResult {
    cv::Mat image;  // CV_8UC3 BGR, scale x the input size
    int restored = 0;
};

// Similarity from a face's align5 points (image pixels) to the template of an S x S crop.
cv::Matx23d align_transform(const Face& face, int size);

// Aligned S x S crop (bilinear, black border) of `image` for transform `to_crop`.
cv::Mat aligned_crop(const cv::Mat& image, const cv::Matx23d& to_crop, int size);

// image: CV_8UC3 BGR. mask: CV_32FC1 S x S paste mask (make_paste_mask).
EnhanceResult enhance_faces(const cv::Mat& image, const std::vector<Face>& faces, FaceRestorer& restorer,
                            Upsampler& background, const cv::Mat& mask, const EnhanceOptions& opt,
                            const std::function<bool()>& cancelled = {});

}  // namespace portrait::gpen
