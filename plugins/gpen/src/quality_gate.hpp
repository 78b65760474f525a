// The original's EQFace gate (spec §3.6): a face is restored only when EQFace rates its
// aligned 112 x 112 crop at least `min_quality`, and the restoration is kept only when the
// EQFace features of the original and the restored face are at most
// `max_identity_distance` apart. The network sits behind FaceScorer; this file holds the
// crops and the arithmetic, which must be the original's to give the original's decisions.
#pragma once

#include <vector>

#include <opencv2/core.hpp>

namespace portrait::gpen {

// The channel order a network receives. Images here are always stored BGR.
enum class ChannelOrder { bgr, rgb };

struct FaceScore {
    std::vector<float> feature;  // 512-d identity feature
    double quality = 0;          // P(good face), 0..1
};

class FaceScorer {
public:
    virtual ~FaceScorer() = default;
    // crop: CV_8UC3 112 x 112, BGR. network_order: what the network is fed. The original
    // feeds the original crop as BGR and the restored one as RGB (spec §3.6): its crops
    // are flipped to RGB and flipped again inside the scorer, the restored face is not.
    virtual FaceScore score(const cv::Mat& crop, ChannelOrder network_order) = 0;
};

constexpr int kGateCrop = 112;

struct GateOptions {
    double min_quality = 0.1;             // fqa_thres: restore when quality >= this
    double max_identity_distance = 0.15;  // id_thres: keep the restoration when distance <= this
};

// The restored face as the original hands it on: clipped to 0..255 and truncated, not
// rounded (numpy astype(uint8), spec §3.7). CV_32FC3 -> CV_8UC3.
cv::Mat truncate_to_8bit(const cv::Mat& face);

// The restored face's 112 x 112 gate crop: rows [35 ss, S - 33 ss), columns [32 ss, S - 36 ss)
// with ss = S / 256, resized bilinearly to 112 (an approximation of the ArcFace alignment the
// original accepts). Below S = 256 (test models only) ss would be 0; the bounds then scale
// with S instead. face: CV_8UC3 S x S.
cv::Mat restored_gate_crop(const cv::Mat& face);

// mean(squareform(pdist([a, b], 'cosine'))): half the cosine distance, 0..1, in double.
double identity_distance(const std::vector<float>& a, const std::vector<float>& b);

}  // namespace portrait::gpen
