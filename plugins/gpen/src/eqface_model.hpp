// The EQFace network (models/convert/eqface.py) as the stage's FaceScorer: one aligned
// 112 x 112 crop in, its identity feature and quality out.
#pragma once

#include <filesystem>
#include <string>

#include <torch/script.h>

#include "quality_gate.hpp"

namespace portrait::gpen {

class TorchFaceScorer final : public FaceScorer {
public:
    explicit TorchFaceScorer(const std::filesystem::path& file, const std::string& device = "cpu");
    // Feeds (v - 127.5) / 128, NCHW, channels in `network_order` (spec §3.6).
    FaceScore score(const cv::Mat& crop, ChannelOrder network_order) override;

    const torch::Device& device() const { return device_; }

private:
    torch::jit::Module module_;
    std::filesystem::path file_;
    torch::Device device_;
};

}  // namespace portrait::gpen
