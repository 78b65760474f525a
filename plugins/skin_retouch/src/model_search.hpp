// Where users' ModelScope downloads of iic/cv_unet_skin-retouching are looked for, so
// that a missing converted model gets an error naming the exact convert command.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace portrait::skin {

// Candidate source folders: portrait::modelscope_download_dirs (the CLI's search order) for
// iic/cv_unet_skin-retouching, then its older name damo/cv_unet_skin-retouching.
std::vector<std::filesystem::path> modelscope_source_dirs();

// First candidate holding both checkpoints (pytorch_model.pt, joint_20210926.pth); empty if none.
std::filesystem::path find_modelscope_source();

// Skin segmenter files in a user's downloads: tf_graph.pb in the source folders, model.onnx
// of damo/cv_unet_skin_retouching_torch. Never loaded from there (no checksum vouches for
// them): the stage only points at them.
std::vector<std::filesystem::path> segmenter_downloads();

// The error for a missing converted model: the locator's message (folders searched),
// then either the download that was found with the exact convert command, or every
// folder a download was looked for in and how to get one.
std::string missing_model_message(const std::string& locator_message);

}  // namespace portrait::skin
