// Where users' ModelScope downloads of iic/cv_unet_skin-retouching are looked for, so
// that a missing converted model gets an error naming the exact convert command.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace portrait::skin {

// Candidate source folders, in search order:
//   ./models/iic_cv_unet_skin-retouching            (the original tool's local layout)
//   ${MODELSCOPE_CACHE:-~/.cache/modelscope/hub}/{,models/}iic/cv_unet_skin-retouching
//   ${MODELSCOPE_CACHE:-~/.cache/modelscope/hub}/{,models/}damo/cv_unet_skin-retouching
//   each $PORTRAIT_MODELS folder D: D/iic_cv_unet_skin-retouching, D/cv_unet_skin-retouching
std::vector<std::filesystem::path> modelscope_source_dirs();

// First candidate holding both checkpoints (pytorch_model.pt, joint_20210926.pth); empty if none.
std::filesystem::path find_modelscope_source();

// Skin segmenter files a user may have next to a download: tf_graph.pb in the source
// folders, model.onnx of damo/cv_unet_skin_retouching_torch in the ModelScope cache.
std::vector<std::filesystem::path> segmenter_candidates();

// The error for a missing converted model: the locator's message (folders searched),
// then either the download that was found with the exact convert command, or every
// folder a download was looked for in and how to get one.
std::string missing_model_message(const std::string& locator_message);

}  // namespace portrait::skin
