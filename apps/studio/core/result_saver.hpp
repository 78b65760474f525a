// Saving the result as `portrait run` writes its outputs: encoded by the file's
// extension with the input's metadata (EXIF/XMP/ICC, orientation reset), written
// atomically, and never over the input photo.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "portrait/runtime/metadata.hpp"

namespace portrait::studio {

// "<folder>/<stem>-portrait<ext>" beside the input (the CLI's suffix for an output that
// would land on an input).
std::filesystem::path default_result_name(const std::filesystem::path& input);

// True when `target` names the input file (same path, or the same file through a link).
bool is_same_file(const std::filesystem::path& target, const std::filesystem::path& input);

// Throws ImageError: a target that is the input, an unknown extension, a failed write.
// Returns the encoder's warnings (e.g. a dropped colour profile).
std::vector<std::string> save_result(const std::filesystem::path& target, const std::filesystem::path& input,
                                     const cv::Mat& result, const ImageMetadata& metadata, int quality = 95);

}  // namespace portrait::studio
