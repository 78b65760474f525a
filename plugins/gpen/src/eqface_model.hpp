// The EQFace network (models/convert/eqface.py) as the stage's FaceScorer: one aligned
// 112 x 112 crop in, its identity feature and quality out.
#pragma once

#include <filesystem>

#include <torch/script.h>

#include "quality_gate.hpp"

namespace portrait::gpen {

class TorchFaceScorer final : public FaceScorer {
public:
    explicit TorchFaceScorer(const std::filesystem::path& file);
    // Feeds (v - 127.5) / 128, NCHW, channels in `network_order` (spec §3.6).
    FaceScore score(const cv::Mat& crop, ChannelOrder network_order) override;

private:
    torch::jit::Module module_;
    std::filesystem::path file_;
};

}  // namespace portrait::gpen
