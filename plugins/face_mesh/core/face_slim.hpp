// Face slimming on top of the 468-point mesh: oval points move towards the face midline,
// inner features and an outer ring stay put, a rigid-MLS backward field interpolates
// between them on a coarse grid, a smooth window takes it to exactly zero at the ring.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

namespace portrait::face {

struct SlimOptions {
    float strength = 0.5f;   // 0..1; 0 leaves the image bit-identical
    float jaw = 1.f;         // region weights, 0..2
    float cheeks = 1.f;
    float max_frac = 0.10f;  // at strength 1 a weight-1 point moves this part of its distance to the midline
    float grid_step = 4.f;   // px between MLS evaluations
    float ring_scale = 1.9f; // outer ring = oval scaled about its centre; field is 0 beyond it
    float min_jacobian = 0.5f;  // strength is reduced until the map never compresses more
    bool yaw_gate = true;    // weaken the hidden side of a turned face
};

// Where one face's slimming sends its oval points, and the points that stay still.
struct SlimControls {
    std::vector<cv::Point2f> original;  // oval, inner anchors, outer ring
    std::vector<cv::Point2f> target;    // same order
    cv::Point2f centre;                 // window ellipse: centre, unit axes, semi-axes
    cv::Point2f axis_u, axis_v;
    float semi_u = 0.f, semi_v = 0.f;
    float side_factor[2] = {1.f, 1.f};  // subject's right, left (yaw gate)
};

SlimControls slim_controls(const std::vector<cv::Point2f>& mesh, const SlimOptions& opt, float strength);

// Window weight at p: 1 inside 1.25 x the oval ellipse, smoothstep down to 0 at ring_scale.
float slim_window(const SlimControls& c, float ring_scale, cv::Point2f p);

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
