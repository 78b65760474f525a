#include "batch_test_util.hpp"
#include "libjpeg_writer.hpp"

#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <lcms2.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sys/wait.h>
#include <unistd.h>

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <exiv2/exiv2.hpp>

namespace bt {

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

static std::string env_prefix(const fs::path& cache) {
    return "PORTRAIT_PLUGIN_PATH=" + quote(BATCH_TEST_PLUGIN_DIR) + " PORTRAIT_CACHE=" + quote(cache.string()) +
           " NO_COLOR=1 ";
}

static std::string slurp(const fs::path& f) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

Result run_portrait(const std::vector<std::string>& args, const fs::path& cache, const std::string& prefix,
                    const std::string& wrapper, const std::string& stdin_text) {
    fs::create_directories(cache);
    fs::permissions(cache, fs::perms::all);
    const fs::path out = cache / "stdout.txt", err = cache / "stderr.txt", in = cache / "stdin.txt";
    {
        std::ofstream f(in, std::ios::binary);
        f << stdin_text;
    }
    std::string cmd = prefix + " exec env " + env_prefix(cache) + wrapper + " " + quote(PORTRAIT_EXE);
    for (const auto& a : args) cmd += " " + quote(a);
    cmd += " <" + quote(in.string()) + " >" + quote(out.string()) + " 2>" + quote(err.string());
    const int st = std::system(("bash -c " + quote(cmd)).c_str());
    Result r;
    r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.out = slurp(out);
    r.err = slurp(err);
    return r;
}

pid_t spawn_portrait(const std::vector<std::string>& args, const fs::path& cache, const fs::path& err_file) {
    fs::create_directories(cache);
    const pid_t pid = fork();
    if (pid == 0) {
        setenv("PORTRAIT_PLUGIN_PATH", BATCH_TEST_PLUGIN_DIR, 1);
        setenv("PORTRAIT_CACHE", cache.c_str(), 1);
        const int fd = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 2);
            dup2(fd, 1);
        }
        std::vector<std::string> all{PORTRAIT_EXE};
        all.insert(all.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : all) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(PORTRAIT_EXE, argv.data());
        _exit(127);
    }
    return pid;
}

int wait_child(pid_t pid) {
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

std::string test_pipeline(const std::string& name) { return std::string(BATCH_TEST_PIPELINES) + "/" + name + ".yaml"; }
std::string tone_pipeline() { return BATCH_TONE_PIPELINE; }

std::string unprivileged_wrapper() {
    return geteuid() == 0 ? "setpriv --reuid=65534 --regid=65534 --clear-groups" : "";
}

cv::Mat photo(int w, int h, int seed) {
    cv::Mat img(h, w, CV_8UC3);
    cv::RNG rng(uint64_t(seed) * 7919 + 17);
    for (int y = 0; y < h; ++y) {
        auto* row = img.ptr<cv::Vec3b>(y);
        for (int x = 0; x < w; ++x)
            row[x] = cv::Vec3b(uchar(40 + 150 * x / std::max(1, w - 1)), uchar(60 + 120 * y / std::max(1, h - 1)),
                               uchar((seed * 37 + x / 7 + y / 5) % 200 + 20));
    }
    cv::Mat noise(h, w, CV_8UC3);
    rng.fill(noise, cv::RNG::UNIFORM, 0, 24);
    img += noise;
    cv::circle(img, {w / 2, h / 2}, std::max(1, std::min(w, h) / 4), cv::Scalar(120, 160, 200), cv::FILLED);
    // Keep pure red out of the picture: only with_faces() paints it.
    std::vector<cv::Mat> ch;
    cv::split(img, ch);
    cv::min(ch[2], 250, ch[2]);
    cv::merge(ch, img);
    return img;
}

cv::Mat with_faces(const cv::Mat& img, int n) {
    cv::Mat out = img.clone();
    const int cols = int(std::ceil(std::sqrt(double(n))));
    const int cell = std::min(img.cols, img.rows) / (cols + 1);
    for (int i = 0; i < n; ++i) {
        const int cx = (i % cols) * cell + cell / 2, cy = (i / cols) * cell + cell / 2;
        cv::rectangle(out, cv::Rect(cx, cy, cell / 2, cell / 2), cv::Scalar(0, 0, 255), cv::FILLED);
    }
    return out;
}

void write_bytes(const fs::path& file, const std::vector<unsigned char>& bytes) {
    fs::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

std::vector<unsigned char> read_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), {});
}

std::vector<unsigned char> encode(const std::string& ext, const cv::Mat& img, std::vector<int> params) {
    std::vector<unsigned char> buf;
    if (!cv::imencode(ext, img, buf, params)) throw std::runtime_error("cannot encode " + ext);
    return buf;
}

nlohmann::json read_json(const fs::path& file) {
    std::ifstream in(file);
    return nlohmann::json::parse(in);
}

nlohmann::json without_timings(nlohmann::json r) {
    r.erase("run");
    for (auto& it : r["items"]) {
        it.erase("ms");
        it.erase("memory");
        for (auto& st : it["stages"]) st.erase("ms");
    }
    return r;
}

std::vector<unsigned char> write_cmyk_jpeg(int w, int h, const std::function<void(int, unsigned char*)>& fill) {
    return portrait_test::libjpeg_write(w, h, 4, JCS_CMYK, 90, fill);
}

std::vector<unsigned char> cmyk_jpeg(int w, int h) {
    return write_cmyk_jpeg(w, h, [&](int y, unsigned char* row) {
        for (int x = 0; x < w; ++x) {
            row[std::size_t(x) * 4 + 0] = uchar(255 * x / w);
            row[std::size_t(x) * 4 + 1] = uchar(255 * y / h);
            row[std::size_t(x) * 4 + 2] = 128;
            row[std::size_t(x) * 4 + 3] = 200;
        }
    });
}

std::vector<unsigned char> cmyk_patch_jpeg(int w, int h, const std::array<unsigned char, 4>& stored) {
    return write_cmyk_jpeg(w, h, [&](int, unsigned char* row) {
        for (int x = 0; x < w; ++x) std::copy(stored.begin(), stored.end(), row + std::size_t(x) * 4);
    });
}

cv::Vec3d press_rgb(const cv::Vec4d& ink) {
    // Subtractive, then a warm cast no fixed CMYK formula would produce: red lifted, blue
    // pressed down.
    const double r = (1 - ink[0]) * (1 - ink[3]), g = (1 - ink[1]) * (1 - ink[3]), b = (1 - ink[2]) * (1 - ink[3]);
    return {std::pow(r, 0.8), g, std::pow(b, 1.3)};
}

std::vector<unsigned char> cmyk_press_profile() {
    // An output-class CMYK profile whose A2B0 table is press_rgb() seen through sRGB, sampled on
    // a 17-point grid: what a press profile does, with a made-up press.
    cmsHPROFILE srgb = cmsCreate_sRGBProfile(), lab = cmsCreateLab4Profile(nullptr);
    cmsHTRANSFORM to_lab = cmsCreateTransform(srgb, TYPE_RGB_DBL, lab, TYPE_Lab_DBL, INTENT_RELATIVE_COLORIMETRIC, 0);
    cmsHPROFILE p = cmsCreateProfilePlaceholder(nullptr);
    cmsSetProfileVersion(p, 4.3);
    cmsSetDeviceClass(p, cmsSigOutputClass);
    cmsSetColorSpace(p, cmsSigCmykData);
    cmsSetPCS(p, cmsSigLabData);
    cmsPipeline* lut = cmsPipelineAlloc(nullptr, 4, 3);
    cmsStage* clut = cmsStageAllocCLut16bit(nullptr, 17, 4, 3, nullptr);
    cmsStageSampleCLut16bit(
        clut,
        [](const cmsUInt16Number in[], cmsUInt16Number out[], void* cargo) -> cmsInt32Number {
            const cv::Vec3d rgb = press_rgb({in[0] / 65535.0, in[1] / 65535.0, in[2] / 65535.0, in[3] / 65535.0});
            cmsCIELab l;
            const double v[3] = {rgb[0], rgb[1], rgb[2]};
            cmsDoTransform(static_cast<cmsHTRANSFORM>(cargo), v, &l, 1);
            cmsFloat2LabEncoded(out, &l);
            return TRUE;
        },
        to_lab, 0);
    // A v4 lutAtoB table needs its A and B curves around the grid: identities here.
    cmsPipelineInsertStage(lut, cmsAT_BEGIN, cmsStageAllocToneCurves(nullptr, 4, nullptr));
    cmsPipelineInsertStage(lut, cmsAT_END, clut);
    cmsPipelineInsertStage(lut, cmsAT_END, cmsStageAllocToneCurves(nullptr, 3, nullptr));
    cmsWriteTag(p, cmsSigAToB0Tag, lut);
    cmsWriteTag(p, cmsSigMediaWhitePointTag, cmsD50_XYZ());
    cmsUInt32Number n = 0;
    cmsSaveProfileToMem(p, nullptr, &n);
    std::vector<unsigned char> bytes(n);
    cmsSaveProfileToMem(p, bytes.data(), &n);
    cmsPipelineFree(lut);
    cmsCloseProfile(p);
    cmsDeleteTransform(to_lab);
    cmsCloseProfile(lab);
    cmsCloseProfile(srgb);
    return bytes;
}

static std::vector<unsigned char> rewrite(const std::vector<unsigned char>& bytes,
                                          const std::function<void(Exiv2::Image&)>& edit) {
    Exiv2::Image::AutoPtr img = Exiv2::ImageFactory::open(bytes.data(), long(bytes.size()));
    img->readMetadata();
    edit(*img);
    img->writeMetadata();
    Exiv2::BasicIo& io = img->io();
    io.open();
    io.seek(0, Exiv2::BasicIo::beg);
    Exiv2::DataBuf out = io.read(long(io.size()));
    io.close();
    return std::vector<unsigned char>(out.pData_, out.pData_ + out.size_);
}

std::vector<unsigned char> with_orientation(const std::vector<unsigned char>& bytes, int orientation) {
    return rewrite(bytes, [&](Exiv2::Image& img) {
        Exiv2::ExifData exif;
        exif["Exif.Image.Orientation"] = uint16_t(orientation);
        exif["Exif.Image.Make"] = "portrait-test";
        exif["Exif.Photo.PixelXDimension"] = uint32_t(img.pixelWidth());
        exif["Exif.Photo.PixelYDimension"] = uint32_t(img.pixelHeight());
        img.setExifData(exif);
    });
}

std::vector<unsigned char> with_icc(const std::vector<unsigned char>& bytes, const std::vector<unsigned char>& icc) {
    return rewrite(bytes, [&](Exiv2::Image& img) {
        Exiv2::DataBuf buf(icc.data(), long(icc.size()));
        img.setIccProfile(buf, true);
    });
}

std::vector<unsigned char> srgb_profile() {
    cmsHPROFILE p = cmsCreate_sRGBProfile();
    cmsUInt32Number n = 0;
    cmsSaveProfileToMem(p, nullptr, &n);
    std::vector<unsigned char> out(n);
    cmsSaveProfileToMem(p, out.data(), &n);
    cmsCloseProfile(p);
    return out;
}

int orientation_of(const std::vector<unsigned char>& bytes) {
    Exiv2::Image::AutoPtr img = Exiv2::ImageFactory::open(bytes.data(), long(bytes.size()));
    img->readMetadata();
    auto it = img->exifData().findKey(Exiv2::ExifKey("Exif.Image.Orientation"));
    return it == img->exifData().end() ? 0 : int(it->toLong());
}

std::vector<unsigned char> icc_of(const std::vector<unsigned char>& bytes) {
    Exiv2::Image::AutoPtr img = Exiv2::ImageFactory::open(bytes.data(), long(bytes.size()));
    img->readMetadata();
    if (!img->iccProfileDefined()) return {};
    return std::vector<unsigned char>(img->iccProfile()->pData_, img->iccProfile()->pData_ + img->iccProfile()->size_);
}

std::vector<fs::path> temp_files_under(const fs::path& dir) {
    std::vector<fs::path> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec))
        if (it->path().filename().string().find(".portrait-tmp-") != std::string::npos) out.push_back(it->path());
    return out;
}

}  // namespace bt

#pragma GCC diagnostic pop
