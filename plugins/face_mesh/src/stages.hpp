// The two stages of the face_mesh plugin and their specs.
#pragma once

#include <portrait/sdk.hpp>

#include <memory>
#include <mutex>
#include <vector>

#include "face_analyzer.hpp"

namespace portrait::face {

StageSpec face_mesh_spec();
StageSpec face_slim_spec();

class FaceMeshStage final : public Stage {
public:
    FaceMeshStage(const Params& p, Context& ctx);
    ~FaceMeshStage() override;
    void process(Frame& frame, Context& ctx) override;
    std::size_t memory_estimate(cv::Size working) const override;

private:
    // cv::dnn::Net is not re-entrant, so each concurrent call borrows its own analyzer: the
    // pool grows to the number of images in flight (a few MB of weights each) and no further.
    std::unique_ptr<FaceAnalyzer> borrow();
    void give_back(std::unique_ptr<FaceAnalyzer> a);

    ModelPaths models_;
    AnalyzerOptions options_;
    std::mutex pool_mutex_;
    std::vector<std::unique_ptr<FaceAnalyzer>> pool_;
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
