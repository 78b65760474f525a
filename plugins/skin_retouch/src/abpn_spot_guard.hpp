// The blemish guard (blemish_guard.hpp) over ABPN's detection: the net marks whatever
// differs from the skin around it, a face jewel or a stud as readily as a pimple, and the
// inpainting net then paints skin over it. Each marked spot is judged against its ring of
// skin first and the ones that are not blemishes are taken out of the inpainting holes. The
// net's blobs are larger than what they mark, so a blob is judged by its core: the pixels
// differing from the skin around the blob by more than 30 % of the blob's largest difference
// (at least 6 levels in a channel), the largest such part.
// docs/stages/skin_retouch.md, "Which spots are removed".
#pragma once

#include <opencv2/core.hpp>
#include <torch/types.h>

#include "blemish_guard.hpp"
#include "skin_mask.hpp"

namespace portrait::skin {

// Marked regions wider or taller than this share of the face width are ABPN's acne patches,
// not spots: they are not judged and stay holes. A face jewel of 3.6 % of the face width
// marked by a blob twice its size must still be judged.
constexpr float kAbpnGuardMaxSpot = 0.12f;

// Host part. `crop_bgr`: the face crop (CV_8UC3); `marked`: CV_8U, non-zero where the
// detection net asks for inpainting, crop-sized; `crop`: where the crop lies in the image;
// `face`: that face's mesh mask (features and face width, in image coordinates). Returns
// CV_8U 0/255, crop-sized: the marked pixels to leave as they are.
cv::Mat abpn_spots_to_leave(const cv::Mat& crop_bgr, const cv::Mat& marked, cv::Rect crop, const FaceSkin& face,
                            bool keep_freckles, GuardStats* stats = nullptr);

// Device part: `keep` ([1,1,H,W], 1 = keep) with the pixels abpn_spots_to_leave returns set
// to 1. Marked = probability >= `threshold` (where keep < 1). One crop-sized 8-bit mask goes
// to the host and, when something is left, one comes back.
torch::Tensor abpn_guard_keep(const torch::Tensor& probability, const torch::Tensor& keep, float threshold,
                              const cv::Mat& crop_bgr, cv::Rect crop, const FaceSkin& face, bool keep_freckles,
                              GuardStats* stats = nullptr);

}  // namespace portrait::skin
