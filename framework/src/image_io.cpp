#include "portrait/runtime/image_io.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>

#include <fcntl.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jpeg_decode.hpp"
#include "png_codec.hpp"
#include "portrait/runtime/cmyk_jpeg.hpp"
#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/logging.hpp"
#include "portrait/runtime/temp_dir.hpp"

namespace portrait {
namespace fs = std::filesystem;

namespace {

const std::string kTempTag = ".portrait-tmp-";

std::string lower_ext(const fs::path& p) {
    std::string e = p.extension().string();
    std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return e;
}

std::string format_of_ext(const std::string& ext) {
    if (ext == ".jpg" || ext == ".jpeg") return "jpeg";
    if (ext == ".png") return "png";
    if (ext == ".webp") return "webp";
    if (ext == ".tif" || ext == ".tiff") return "tiff";
    if (ext == ".bmp") return "bmp";
    return "";
}

// A JPEG's entropy-coded data never holds FF D9 (FF is stuffed), so an end-of-image
// marker after the first scan header is how a complete file ends. libjpeg would
// otherwise fill a truncated file's missing rows with grey and call it a success.
bool jpeg_is_complete(const std::vector<unsigned char>& b) {
    std::size_t sos = 0;
    for (std::size_t i = 2; i + 1 < b.size(); ++i)
        if (b[i] == 0xFF && b[i + 1] == 0xDA) {
            sos = i;
            break;
        }
    if (sos == 0) return false;
    for (std::size_t i = sos + 2; i + 1 < b.size(); ++i)
        if (b[i] == 0xFF && b[i + 1] == 0xD9) return true;
    return false;
}

std::string errno_text(int err) {
    if (err == ENOSPC) return "no space left on device";
    if (err == EFBIG) return "file too large (file size limit)";
    if (err == EACCES || err == EPERM) return "permission denied (folder not writable?)";
    if (err == EROFS) return "read-only file system";
    if (err == EDQUOT) return "disk quota exceeded";
    return std::strerror(err);
}

}  // namespace

std::vector<unsigned char> read_file_bytes(const fs::path& file) {
    std::error_code ec;
    const auto st = fs::status(file, ec);
    if (ec || !fs::exists(st)) {
        // A dangling link or a link loop exists as a name but not as a file.
        if (fs::is_symlink(fs::symlink_status(file, ec))) {
            std::error_code ec2;
            const fs::path target = fs::canonical(file, ec2);
            (void)target;
            throw ImageError(file.string() + ": broken symbolic link (" + (ec2 ? ec2.message() : "no target") + ")");
        }
        throw ImageError(file.string() + ": no such file");
    }
    if (fs::is_directory(st)) throw ImageError(file.string() + ": is a folder");
    if (!fs::is_regular_file(st)) throw ImageError(file.string() + ": not a regular file");
    std::ifstream in(file, std::ios::binary);
    if (!in) throw ImageError(file.string() + ": cannot be read (" + errno_text(errno) + ")");
    in.seekg(0, std::ios::end);
    const std::streamoff size = in.tellg();
    if (size <= 0) throw ImageError(file.string() + ": empty file (0 bytes)");
    in.seekg(0);
    std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
    in.read(reinterpret_cast<char*>(bytes.data()), size);
    if (in.gcount() != size) throw ImageError(file.string() + ": read error");
    return bytes;
}

DecodedImage decode_image(const std::vector<unsigned char>& bytes, const ImageHeader& header,
                          const std::string& name) {
    DecodedImage d;
    d.header = header;
    if (header.format == "jpeg" && !jpeg_is_complete(bytes))
        throw ImageError(name + ": truncated JPEG (no end-of-image marker)");
    d.metadata = read_metadata(bytes.data(), bytes.size(), &d.warnings);
    if (header.format == "jpeg") {
        JpegPixels jpeg = decode_jpeg(bytes, name);  // fails on damaged data, unlike OpenCV
        if (jpeg.dpi_x > 0) {  // JFIF's density first, as readers take it
            d.metadata.dpi_x = jpeg.dpi_x;
            d.metadata.dpi_y = jpeg.dpi_y;
        }
        d.pixels = std::move(jpeg.pixels);
        d.jpeg_quality = jpeg.quality;
        if (jpeg.cmyk) {
            // With a CMYK profile, colour-managed: the inks through it to sRGB, tagged as such.
            cv::Mat srgb = cmyk_to_srgb(d.pixels, jpeg.inverted, d.metadata.icc, name);
            if (!srgb.empty()) {
                d.metadata.icc = srgb_icc_profile();
                d.warnings.push_back("CMYK converted to sRGB through its embedded ICC profile");
                d.pixels = srgb;
            } else {
                d.pixels = cmyk_to_bgr_uncalibrated(d.pixels);
            }
        }
    } else if (header.format == "png") {
        PngPixels png = decode_png(bytes, name);
        if (png.dpi_x > 0) {  // pHYs is the PNG's own field; EXIF's only stands in without it
            d.metadata.dpi_x = png.dpi_x;
            d.metadata.dpi_y = png.dpi_y;
        }
        d.pixels = std::move(png.pixels);
        // libpng's warnings go through our log (and past the progress bar), not to stderr.
        for (const auto& w : png.warnings) {
            if (harmless_png_warning(w))
                host_logger().debug("{}: libpng: {}", name, w);
            else
                host_logger().warn("{}: libpng: {}", name, w);
        }
    }
    try {
        if (d.pixels.empty()) d.pixels = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
    } catch (const cv::Exception& e) {
        throw ImageError(name + ": cannot decode " + header.format + ": " + e.what());
    }
    if (d.pixels.empty())
        throw ImageError(name + ": cannot decode " + header.format + " (corrupt or truncated data)");
    if (d.pixels.size() != cv::Size(header.width, header.height))
        throw ImageError(name + ": decoded size differs from its header (multi-page or corrupt file)");
    d.orientation = d.metadata.orientation;
    if (d.orientation != 1) d.pixels = apply_orientation(d.pixels, d.orientation);
    return d;
}

cv::Mat read_image(const fs::path& file) {
    const auto bytes = read_file_bytes(file);
    const ImageHeader h = probe_image(bytes, file.string());
    return decode_image(bytes, h, file.string()).pixels;
}

std::vector<unsigned char> encode_image(const fs::path& file, const cv::Mat& image, const WriteOptions& o,
                                        const ImageMetadata* metadata, std::vector<std::string>* warnings) {
    const std::string ext = lower_ext(file);
    const std::string format = format_of_ext(ext);
    if (format.empty()) throw ImageError(file.string() + ": unknown output extension '" + ext + "'");
    std::vector<int> params;
    cv::Mat img = image;
    if (format == "jpeg") {
        params = {cv::IMWRITE_JPEG_QUALITY, o.jpeg_quality};
        if (img.depth() != CV_8U) img.convertTo(img, CV_8U, 1.0 / 257.0);
        if (img.channels() == 4) {  // JPEG has no alpha
            cv::cvtColor(img, img, cv::COLOR_BGRA2BGR);
            if (warnings) warnings->push_back("alpha channel dropped: JPEG output has none");
        }
    } else if (format == "webp") {
        params = {cv::IMWRITE_WEBP_QUALITY, o.webp_quality};
        if (img.depth() != CV_8U) img.convertTo(img, CV_8U, 1.0 / 257.0);
    } else if (format == "tiff") {
        // Resolution is part of the TIFF's own image tags, which exiv2 leaves as the encoder
        // wrote them (whole dpi: OpenCV's parameters are integers).
        if (metadata && metadata->dpi_x > 0 && metadata->dpi_y > 0)
            params = {cv::IMWRITE_TIFF_RESUNIT, 2, cv::IMWRITE_TIFF_XDPI, int(std::lround(metadata->dpi_x)),
                      cv::IMWRITE_TIFF_YDPI, int(std::lround(metadata->dpi_y))};
    } else if (format == "bmp") {
        if (img.depth() != CV_8U) img.convertTo(img, CV_8U, 1.0 / 257.0);
    }
    std::vector<unsigned char> buf;
    if (format == "png") {  // libpng directly: OpenCV's writer has no way to carry metadata
        const OutputMetadata m = metadata ? output_metadata(*metadata, img.size(), img.channels(), warnings)
                                          : OutputMetadata{};
        try {
            return encode_png(img, o.png_compression, m, warnings);
        } catch (const ImageError& e) {
            throw ImageError(file.string() + ": " + e.what());
        }
    }
    try {
        if (!cv::imencode(ext, img, buf, params) || buf.empty())
            throw ImageError(file.string() + ": cannot encode as " + format);
    } catch (const cv::Exception& e) {
        throw ImageError(file.string() + ": cannot encode as " + format + ": " + e.what());
    }
    if (metadata && !metadata->empty())
        buf = embed_metadata(buf, format, *metadata, img.size(), img.channels(), warnings);
    return buf;
}

WriteOptions write_options_for(const WriteOptions& o, const DecodedImage& input) {
    WriteOptions w = o;
    if (o.jpeg_quality_auto && input.jpeg_quality > 0) w.jpeg_quality = input.jpeg_quality;
    return w;
}

fs::path temp_name_for(const fs::path& file) {
    static thread_local std::mt19937 rng{std::random_device{}()};
    // A short name whatever the output's length: a 250-byte name the file system takes
    // must not fail because its temp name went over NAME_MAX. The hash only tells
    // temp files apart when someone looks; the pid and random part make them unique.
    std::uint32_t h = 2166136261u;  // FNV-1a of the output's name
    for (unsigned char c : file.filename().string()) h = (h ^ c) * 16777619u;
    char tag[16];
    std::snprintf(tag, sizeof tag, "%08x", h);
    return file.parent_path() /
           ("." + std::string(tag) + kTempTag + std::to_string(getpid()) + "-" + std::to_string(rng() % 1000000));
}

int sweep_stale_temp_files(const fs::path& dir) {
    int n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        const auto at = name.find(kTempTag);
        if (name.empty() || name[0] != '.' || at == std::string::npos) continue;
        const long pid = std::strtol(name.c_str() + at + kTempTag.size(), nullptr, 10);
        if (pid <= 0 || pid == long(getpid())) continue;
        if (!temp_owner_gone(pid_t(pid), e.path())) continue;  // its writer is still running
        std::error_code rm;
        if (fs::remove(e.path(), rm)) ++n;
    }
    return n;
}

void write_file_atomic(const fs::path& file, const std::vector<unsigned char>& bytes) {
    const fs::path tmp = temp_name_for(file);
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) throw ImageError(file.string() + ": cannot write: " + errno_text(errno));
    auto fail = [&](int err, const char* what) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw ImageError(file.string() + ": cannot " + what + ": " + errno_text(err));
    };
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t k = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (k < 0) {
            if (errno == EINTR) continue;
            fail(errno, "write");
        }
        done += std::size_t(k);
    }
    if (::fsync(fd) != 0) fail(errno, "write (fsync)");
    if (::close(fd) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw ImageError(file.string() + ": cannot write (close): " + errno_text(err));
    }
    if (::rename(tmp.c_str(), file.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw ImageError(file.string() + ": cannot move the written file into place: " + errno_text(err));
    }
    // The rename is durable once the folder is synced too.
    const int dfd = ::open(file.parent_path().empty() ? "." : file.parent_path().c_str(), O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
}

void write_image_atomic(const fs::path& file, const cv::Mat& image, const WriteOptions& o) {
    write_file_atomic(file, encode_image(file, image, o));
}

}  // namespace portrait
