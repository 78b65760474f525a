// The GPEN stage's algorithm without the networks: select faces, align each to the
// template (spec §3.5), score it with the EQFace gate (§3.6), restore in batches, correct
// its colour, blend with the original crop (alpha), and paste back over the upsampled
// background (§3.8).
#pragma once

#include <functional>
#include <vector>

#include <opencv2/core.hpp>
#include <portrait/frame.hpp>

#include "color_fix.hpp"
#include "face_select.hpp"
#include "quality_gate.hpp"
#include "restorer.hpp"

namespace portrait::gpen {

// Where the aligned crops are sampled.
enum class CropSource {
    upscaled,  // from the bilinear 2x working image, as the original (§3.3): the same pixels
    working,   // from the working image directly: one interpolation less, a little sharper
};

struct EnhanceOptions {
    int scale = 1;       // output size factor (1 or 2)
    double alpha = 1.0;  // 1 = restored face, 0 = original face
    FaceSelection select;
    int batch = 1;       // faces per network call
    CropSource crop_from = CropSource::upscaled;
    // true: the restored face is truncated to 8 bits before it is warped back, as the original
    // (§3.7); false: it stays float until the final blend (no -0.5 level bias).
    bool truncate_face = true;
    ColorFix color_fix = ColorFix::none;
    GateOptions gate;  // used when enhance_faces is given a FaceScorer
};

enum class FaceOutcome {
    restored,
    low_quality,       // not restored: EQFace quality below gate.min_quality
    identity_changed,  // restored, then dropped: identity distance above gate.max_identity_distance
};

struct FaceResult {
    int index = -1;  // into the `faces` argument
    FaceOutcome outcome = FaceOutcome::restored;
    double quality = -1;            // EQFace quality of the original crop; -1 without a gate
    double identity_distance = -1;  // -1 without a gate or when not restored
};

struct EnhanceResult {
    cv::Mat image;  // CV_8UC3 BGR, scale x the input size
    int restored = 0;
    std::vector<FaceResult> faces;  // the selected faces, detection order
};

// Similarity from a face's align5 points (working pixels) to the template of an S x S crop.
cv::Matx23d align_transform(const Face& face, int size);

// Aligned S x S crop (bilinear, black border) of `image` for transform `to_crop`.
cv::Mat aligned_crop(const cv::Mat& image, const cv::Matx23d& to_crop, int size);

// Where a working pixel lands in an image enlarged `factor` times, pixel centres aligned as
// cv::resize and the x2 networks align them: p -> factor * p + (factor - 1) / 2.
cv::Matx23d enlarge(double factor);

// image: CV_8UC3 BGR. mask: CV_32FC1 S x S paste mask (make_paste_mask). gate: the EQFace
// scorer, or null for no gate.
EnhanceResult enhance_faces(const cv::Mat& image, const std::vector<Face>& faces, FaceRestorer& restorer,
                            Upsampler& background, const cv::Mat& mask, const EnhanceOptions& opt,
                            FaceScorer* gate = nullptr, const std::function<bool()>& cancelled = {});

}  // namespace portrait::gpen
