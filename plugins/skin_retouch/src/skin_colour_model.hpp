// A per-face skin colour model: a Gaussian over (Cr, Cb) fitted on patches of cheek,
// forehead and chin that the mesh says are skin. Fitting per face follows each
// person's skin tone and the photo's white balance instead of a fixed skin box.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

namespace portrait::skin {

class SkinColourModel {
public:
    // Fits on the pixels of `bgr` (CV_8UC3) where `sample_mask` (CV_8U) is non-zero.
    // Returns false when there are too few samples; the model then accepts every colour.
    bool fit(const cv::Mat& bgr, const cv::Mat& sample_mask);
    // Fits on discs around landmark points (radius in pixels), inside `region` of the image.
    bool fit_landmarks(const cv::Mat& bgr, const std::vector<cv::Point2f>& points, float radius);

    // Skin likelihood 0..1 per pixel (CV_32F): 1 within `inner` standard deviations of
    // the fitted chroma, falling linearly to 0 at `outer`; very dark pixels (nostrils,
    // lashes) are rejected too.
    cv::Mat probability(const cv::Mat& bgr, float inner = 2.5f, float outer = 5.0f) const;

    bool fitted() const { return fitted_; }
    cv::Vec2f mean() const { return mean_; }
    float mean_luma() const { return luma_; }

private:
    bool fitted_ = false;
    cv::Vec2f mean_{0, 0};
    cv::Matx22f inv_cov_ = cv::Matx22f::eye();
    float luma_ = 0.f;
};

}  // namespace portrait::skin
