// The stage interface a plugin implements, and the spec it registers it with.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "portrait/context.hpp"
#include "portrait/frame.hpp"
#include "portrait/params.hpp"
#include "portrait/version.hpp"

namespace portrait {
inline namespace PORTRAIT_SDK_NAMESPACE {

// Capabilities stages exchange through the frame (needs/provides). Plain strings, so a
// third-party plugin can introduce its own; these are the ones the bundled stages use.
namespace caps {
inline constexpr const char* kFaces = "faces";          // Face::box, score, keypoints, align5
inline constexpr const char* kFaceMesh = "face_mesh";   // Face::landmarks (468 MediaPipe points)
inline constexpr const char* kSkinMask = "skin_mask";   // Frame::masks[masks::kSkin]
}  // namespace caps

// Keys of Frame::masks the bundled stages write.
namespace masks {
inline constexpr const char* kSkin = "skin";  // skin of every face, CV_8UC1 0..255 (capability skin_mask)
}  // namespace masks

class Stage {
public:
    virtual ~Stage() = default;
    // Process one image. Throw std::exception on failure: the host fails this image
    // only, names the stage, and goes on with the batch.
    virtual void process(Frame& frame, Context& ctx) = 0;
    // Peak extra memory in bytes this stage needs for one image of `working` size.
    // The host admits images by it and refuses one that cannot fit the budget.
    virtual std::size_t memory_estimate(cv::Size working) const {
        return std::size_t(working.area()) * 3 * sizeof(float);
    }
};

struct StageSpec {
    std::string name;         // unique across all plugins, snake_case
    std::string description;  // one line
    std::vector<ParamSpec> params;
    std::vector<std::string> needs;     // capabilities an earlier stage must provide
    std::vector<std::string> provides;  // capabilities this stage adds to the frame
    // False if process() must not run on two frames at once (the host serialises it).
    bool concurrent = true;
};

}  // namespace PORTRAIT_SDK_NAMESPACE
}  // namespace portrait
