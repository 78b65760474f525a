#include "portrait/runtime/image_io.hpp"

#include <fstream>
#include <random>

#include <opencv2/imgcodecs.hpp>
#include <unistd.h>

#include "portrait/runtime/errors.hpp"

namespace portrait {
namespace fs = std::filesystem;

cv::Mat read_image(const fs::path& file) {
    std::error_code ec;
    if (!fs::exists(file, ec)) throw ImageError(file.string() + ": no such file");
    if (fs::is_directory(file, ec)) throw ImageError(file.string() + ": is a folder");
    std::ifstream probe(file, std::ios::binary);
    if (!probe) throw ImageError(file.string() + ": cannot be read (permission denied?)");
    if (fs::file_size(file, ec) == 0) throw ImageError(file.string() + ": empty file (0 bytes)");
    cv::Mat img;
    try {
        img = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
        throw ImageError(file.string() + ": cannot decode: " + e.what());
    }
    if (img.empty()) throw ImageError(file.string() + ": not an image OpenCV can decode, or truncated");
    return img;
}

fs::path temp_name_for(const fs::path& file) {
    static thread_local std::mt19937 rng{std::random_device{}()};
    return file.parent_path() / ("." + file.stem().string() + ".portrait-tmp-" + std::to_string(getpid()) + "-" +
                                 std::to_string(rng() % 100000) + file.extension().string());
}

void write_image_atomic(const fs::path& file, const cv::Mat& image, const WriteOptions& o) {
    std::string ext = file.extension().string();
    for (auto& c : ext) c = char(std::tolower(c));
    std::vector<int> params;
    if (ext == ".jpg" || ext == ".jpeg") params = {cv::IMWRITE_JPEG_QUALITY, o.jpeg_quality};
    else if (ext == ".png") params = {cv::IMWRITE_PNG_COMPRESSION, o.png_compression};
    else if (ext == ".webp") params = {cv::IMWRITE_WEBP_QUALITY, o.webp_quality};
    const fs::path tmp = temp_name_for(file);
    std::error_code ec;
    bool ok = false;
    try {
        ok = cv::imwrite(tmp.string(), image, params);
    } catch (const cv::Exception& e) {
        fs::remove(tmp, ec);
        throw ImageError(file.string() + ": cannot encode: " + e.what());
    }
    if (!ok) {
        fs::remove(tmp, ec);
        throw ImageError(file.string() + ": cannot write (folder not writable, disk full, or unknown extension)");
    }
    fs::rename(tmp, file, ec);
    if (ec) {
        fs::remove(tmp, ec);
        throw ImageError(file.string() + ": cannot move the written file into place: " + ec.message());
    }
}

}  // namespace portrait
