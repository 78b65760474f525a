// Reading and writing images. Reads check the header before decoding (so a
// decompression bomb is refused before any allocation), apply the EXIF orientation
// to the pixels and keep the metadata; writes are atomic: encode in memory, write a
// temp name in the destination folder, fsync, rename, so a crash never leaves a
// half-written file under a final name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "portrait/runtime/metadata.hpp"

namespace portrait {

// What the header says, read by the format's own library without decoding pixels.
struct ImageHeader {
    std::string format;  // "jpeg", "png", "webp", "tiff", "bmp"
    int width = 0, height = 0;
    int channels = 0;     // decoded channel count (1, 3 or 4)
    int depth_bytes = 1;  // 1 or 2
    std::uint64_t pixels() const { return std::uint64_t(width) * std::uint64_t(height); }
};

// Reads the header of an encoded image. Throws ImageError with the reason (not an image,
// unknown signature, truncated header). `name` is used in messages only.
ImageHeader probe_image(const std::vector<unsigned char>& bytes, const std::string& name);

// Reads a whole file into memory. Throws ImageError (missing, a folder, unreadable, empty).
std::vector<unsigned char> read_file_bytes(const std::filesystem::path& file);

struct DecodedImage {
    cv::Mat pixels;         // 8/16-bit, 1/3/4 channels, orientation applied
    ImageHeader header;     // as stored (before orientation)
    ImageMetadata metadata; // EXIF/XMP/ICC as read (orientation still as stored)
    int orientation = 1;    // EXIF orientation that was applied (1 = none)
    int jpeg_quality = 0;   // a JPEG's quality estimated from its quantisation tables; 0 otherwise
    std::vector<std::string> warnings;
};

// The IJG quality 1..100 a JPEG was most likely written at, from its quantisation tables
// (exact for libjpeg's own scaling, the nearest fit otherwise); 0 when the bytes are not
// a readable JPEG header.
int estimate_jpeg_quality(const std::vector<unsigned char>& bytes);

// Largest image accepted, in pixels, whatever the memory budget (as OpenCV's own default).
inline constexpr std::uint64_t kMaxImagePixels = std::uint64_t(1) << 30;

// Decodes bytes already checked by probe_image: keeps depth and alpha, applies the EXIF
// orientation to the pixels. Throws ImageError naming `name` and the reason (e.g. truncated).
DecodedImage decode_image(const std::vector<unsigned char>& bytes, const ImageHeader& header,
                          const std::string& name);

// Decodes an image keeping depth and alpha (8/16-bit, 1/3/4 channels), orientation applied.
// Throws ImageError naming the file and the reason.
cv::Mat read_image(const std::filesystem::path& file);

struct WriteOptions {
    int jpeg_quality = 95;
    // --quality auto: a JPEG input's JPEG output keeps the input's estimated quality
    // (DecodedImage::jpeg_quality); jpeg_quality is then for other inputs.
    bool jpeg_quality_auto = false;
    int png_compression = 3;
    int webp_quality = 95;
};

// The options `input` is written with: under jpeg_quality_auto, its own JPEG quality.
WriteOptions write_options_for(const WriteOptions& options, const DecodedImage& input);

// Encodes `image` by the extension of `file` (throws ImageError for an unknown one).
// With metadata, EXIF/XMP/ICC are carried into the encoded bytes, orientation reset to
// upright and the pixel dimensions updated; a profile that does not fit the output's
// colour model (a CMYK profile on an RGB output) is dropped with a warning.
std::vector<unsigned char> encode_image(const std::filesystem::path& file, const cv::Mat& image,
                                        const WriteOptions& options, const ImageMetadata* metadata = nullptr,
                                        std::vector<std::string>* warnings = nullptr);

// Writes bytes to a temp name beside `file`, fsyncs, renames into place. Throws ImageError
// naming the file and the system's reason (no space left, permission denied, file too large).
void write_file_atomic(const std::filesystem::path& file, const std::vector<unsigned char>& bytes);

// Encodes `image` by the extension of `file` and renames it into place.
// Throws ImageError naming the file. Never leaves a partial file under `file`.
void write_image_atomic(const std::filesystem::path& file, const cv::Mat& image, const WriteOptions& options = {});

// The temp name used while writing `file` (same folder, hidden, short whatever the
// name's length): .<8 hex of the name>.portrait-tmp-<pid>-<random>
std::filesystem::path temp_name_for(const std::filesystem::path& file);
// Removes temp files in `dir` left by processes that are gone; returns how many.
int sweep_stale_temp_files(const std::filesystem::path& dir);

}  // namespace portrait
