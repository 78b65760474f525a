// What the skin_retouch stage says about models it cannot use: a segmenter left in a
// ModelScope download (pointed at, never loaded), and the ABPN networks' missing-model error.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace portrait::skin {

// Skin segmenter files in a user's downloads (portrait::modelscope_download_dirs):
// tf_graph.pb of iic/cv_unet_skin-retouching, model.onnx of damo/cv_unet_skin_retouching_torch.
// Never loaded from there (no checksum vouches for them): the stage only points at them.
std::vector<std::filesystem::path> segmenter_downloads();

// The error for missing converted ABPN networks: the host's message (folders searched, the
// catalogue's fetch and convert commands, a download found), what the networks are, and
// the builtin backend.
std::string missing_model_message(const std::string& locator_message);

}  // namespace portrait::skin
