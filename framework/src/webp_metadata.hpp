// WebP metadata through libwebpmux: the ICCP, EXIF and XMP chunks, and the VP8X header whose
// flags declare them (a chunk under a wrong tag or undeclared makes libwebp's demuxer, and
// every reader built on it, refuse the file). Internal to framework/src.
#pragma once

#include <vector>

#include "portrait/runtime/metadata.hpp"

namespace portrait {

// `webp` (a simple or extended WebP, as libwebp encodes it) with `metadata`'s chunks.
// Throws ImageError when libwebpmux cannot read or assemble it.
std::vector<unsigned char> webp_with_metadata(const std::vector<unsigned char>& webp, const OutputMetadata& metadata);

}  // namespace portrait
