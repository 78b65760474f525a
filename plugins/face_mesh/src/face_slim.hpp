// Face slimming on top of the 468-point mesh: the oval points below the temples move towards
// the face midline (line 168 -> 152), and a smooth sideways squeeze (squeeze_field.hpp)
// carries the image with them. The midline region (eyes, nose, mouth) stays still and the
// displacement is exactly zero a fixed distance outside the jaw, so far background is untouched.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

#include "squeeze_field.hpp"

namespace portrait::face {

struct SlimOptions {
    float strength = 0.5f;   // 0..1; 0 leaves the image bit-identical
    float jaw = 1.f;         // region weights, 0..2
    float cheeks = 1.f;
    float max_frac = 0.28f;  // at strength 1 a weight-1 oval point moves this part of its distance to the midline
    float inner = 0.35f;     // the squeeze starts at this fraction of the contour's distance to the midline
    float falloff = 1.0f;    // ... and ends this many face half-widths outside the contour
    float smooth = 0.08f;    // Gaussian along the midline over the contour tables, in face heights
    float min_jacobian = 0.5f;  // strength is reduced until the map never stretches more
    bool yaw_gate = true;    // weaken the hidden side of a turned face
};

// Where one face's slimming sends its oval points, and the squeeze that carries the image.
struct SlimControls {
    std::vector<cv::Point2f> original;  // the 36 oval points (kFaceOval order)
    std::vector<cv::Point2f> target;    // where they move
    float half_width = 0.f;             // largest oval distance to the midline (px)
    float side_factor[2] = {1.f, 1.f};  // subject's right, left (yaw gate)
    SqueezeFrame squeeze;
};

SlimControls slim_controls(const std::vector<cv::Point2f>& mesh, const SlimOptions& opt, float strength);

struct SlimField {
    cv::Rect rect;          // region with non-zero offsets (empty: nothing to do)
    cv::Mat offsets;        // CV_32FC2 over rect: out(p) = in(p + offsets(p))
    float strength = 0.f;   // strength actually used (after the Jacobian safety check)
    double min_jacobian = 1.0;
};

// One field for all faces (their fields add up). `meshes` holds 468 points per face.
SlimField slim_field(cv::Size image, const std::vector<std::vector<cv::Point2f>>& meshes, const SlimOptions& opt);

// Applies the field; pixels outside the field's support are copied, not resampled.
cv::Mat apply_slim(const cv::Mat& img, const SlimField& f);

// The same field as an absolute backward map (CV_32FC2, image size), for hosts that replay
// the warp at another resolution.
cv::Mat slim_map(cv::Size image, const SlimField& f);

}  // namespace portrait::face
