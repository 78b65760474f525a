#include "result_saver.hpp"

#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/image_io.hpp"

namespace portrait::studio {
namespace fs = std::filesystem;

fs::path default_result_name(const fs::path& input) {
    return input.parent_path() / (input.stem().string() + "-portrait" + input.extension().string());
}

bool is_same_file(const fs::path& target, const fs::path& input) {
    std::error_code ec;
    if (fs::exists(target, ec) && fs::equivalent(target, input, ec)) return true;
    return fs::absolute(target, ec).lexically_normal() == fs::absolute(input, ec).lexically_normal();
}

std::vector<std::string> save_result(const fs::path& target, const fs::path& input, const cv::Mat& result,
                                     const ImageMetadata& metadata, int quality) {
    if (result.empty()) throw ImageError("there is no result to save yet");
    if (is_same_file(target, input))
        throw ImageError(target.string() + " is the input photo; the studio never replaces an input");
    WriteOptions options;
    options.jpeg_quality = options.webp_quality = quality;
    std::vector<std::string> warnings;
    const std::vector<unsigned char> bytes = encode_image(target, result, options, &metadata, &warnings);
    write_file_atomic(target, bytes);
    return warnings;
}

}  // namespace portrait::studio
