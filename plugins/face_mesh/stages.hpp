// The two stages of the face_mesh plugin and their specs.
#pragma once

#include <portrait/sdk.hpp>

#include <memory>

namespace portrait::face {

class FaceAnalyzer;

StageSpec face_mesh_spec();
StageSpec face_slim_spec();

class FaceMeshStage final : public Stage {
public:
    FaceMeshStage(const Params& p, Context& ctx);
    ~FaceMeshStage() override;
    void process(Frame& frame, Context& ctx) override;
    std::size_t memory_estimate(cv::Size working) const override;

private:
    std::unique_ptr<FaceAnalyzer> analyzer_;
    bool draw_ = false;
};

class FaceSlimStage final : public Stage {
public:
    FaceSlimStage(const Params& p, Context& ctx);
    void process(Frame& frame, Context& ctx) override;
    std::size_t memory_estimate(cv::Size working) const override;

private:
    float strength_, jaw_, cheeks_;
    bool yaw_gate_;
};

}  // namespace portrait::face
