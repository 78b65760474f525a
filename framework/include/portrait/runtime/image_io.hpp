// Reading and writing images. Writes are atomic: a temp name in the destination
// folder, then rename, so a crash never leaves a half-written file under a final name.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace portrait {

// Decodes an image keeping depth and alpha (8/16-bit, 1/3/4 channels).
// Throws ImageError naming the file and the reason.
cv::Mat read_image(const std::filesystem::path& file);

struct WriteOptions {
    int jpeg_quality = 95;
    int png_compression = 3;
    int webp_quality = 95;
};

// Encodes `image` by the extension of `file` and renames it into place.
// Throws ImageError naming the file. Never leaves a partial file under `file`.
void write_image_atomic(const std::filesystem::path& file, const cv::Mat& image, const WriteOptions& options = {});

// The temp name used while writing `file` (same folder, hidden, same extension).
std::filesystem::path temp_name_for(const std::filesystem::path& file);

}  // namespace portrait
