#include "portrait/runtime/metadata.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>

#include <lcms2.h>
#include <opencv2/core.hpp>

// exiv2 0.27's API hands out std::auto_ptr; the deprecation is theirs, not ours.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <exiv2/exiv2.hpp>

#include "portrait/runtime/errors.hpp"
#include "webp_metadata.hpp"

namespace portrait {

struct ExivPayload {
    Exiv2::ExifData exif;
    Exiv2::XmpData xmp;
};

namespace {

// exiv2 0.27 keeps global state (XMP toolkit, log level); one call at a time is cheap
// next to decoding and keeps it safe under concurrent workers.
std::mutex& exiv_mutex() {
    static std::mutex m;
    return m;
}

void init_exiv2_locked() {
    static bool done = false;
    if (done) return;
    Exiv2::LogMsg::setLevel(Exiv2::LogMsg::mute);
    Exiv2::XmpParser::initialize();
    done = true;
}

// Tags that describe the pixel layout of the file they came from: copying them onto
// another encoding would describe the wrong image.
const char* const kStructureTags[] = {
    "Exif.Image.ImageWidth", "Exif.Image.ImageLength", "Exif.Image.BitsPerSample",
    "Exif.Image.Compression", "Exif.Image.PhotometricInterpretation", "Exif.Image.StripOffsets",
    "Exif.Image.SamplesPerPixel", "Exif.Image.RowsPerStrip", "Exif.Image.StripByteCounts",
    "Exif.Image.PlanarConfiguration", "Exif.Image.TileWidth", "Exif.Image.TileLength",
    "Exif.Image.TileOffsets", "Exif.Image.TileByteCounts", "Exif.Image.SubIFDs",
    "Exif.Image.ExtraSamples", "Exif.Image.SampleFormat", "Exif.Image.Predictor",
    "Exif.Image.JPEGInterchangeFormat", "Exif.Image.JPEGInterchangeFormatLength",
    "Exif.Image.InterColorProfile", "Exif.Image.NewSubfileType", "Exif.Image.FillOrder",
};

void erase_key(Exiv2::ExifData& exif, const char* key) {
    auto it = exif.findKey(Exiv2::ExifKey(key));
    while (it != exif.end()) {
        exif.erase(it);
        it = exif.findKey(Exiv2::ExifKey(key));
    }
}

bool icc_fits(const std::string& space, int channels) {
    return channels == 1 ? space == "GRAY" : space == "RGB";
}

}  // namespace

std::string icc_colour_space(const std::vector<unsigned char>& icc) {
    if (icc.size() < 128) return "";
    cmsHPROFILE h = cmsOpenProfileFromMemTHR(nullptr, icc.data(), cmsUInt32Number(icc.size()));
    if (!h) return "";
    const cmsColorSpaceSignature sig = cmsGetColorSpace(h);
    cmsCloseProfile(h);
    switch (sig) {
    case cmsSigRgbData: return "RGB";
    case cmsSigGrayData: return "GRAY";
    case cmsSigCmykData: return "CMYK";
    default: {
        std::string s(4, ' ');
        for (int i = 0; i < 4; ++i) s[std::size_t(i)] = char((unsigned(sig) >> (24 - 8 * i)) & 0xff);
        return s;
    }
    }
}

namespace {

// The resolution EXIF states, in pixels per inch (ResolutionUnit 2 inch, the default; 3 cm).
void read_exif_resolution(const Exiv2::ExifData& exif, ImageMetadata& m) {
    const auto x = exif.findKey(Exiv2::ExifKey("Exif.Image.XResolution"));
    const auto y = exif.findKey(Exiv2::ExifKey("Exif.Image.YResolution"));
    if (x == exif.end() || y == exif.end() || x->count() == 0 || y->count() == 0) return;
    const auto u = exif.findKey(Exiv2::ExifKey("Exif.Image.ResolutionUnit"));
    const long unit = u != exif.end() && u->count() > 0 ? u->toLong() : 2;
    if (unit != 2 && unit != 3) return;
    const double per_inch = unit == 3 ? 2.54 : 1.0;
    const double dx = double(x->toFloat()) * per_inch, dy = double(y->toFloat()) * per_inch;
    if (dx > 0 && dy > 0 && std::isfinite(dx) && std::isfinite(dy)) {
        m.dpi_x = dx;
        m.dpi_y = dy;
    }
}

Exiv2::URational resolution_rational(double dpi) {
    const double whole = std::round(dpi);
    if (std::abs(dpi - whole) < 1e-4) return {uint32_t(whole), 1};
    return {uint32_t(std::lround(dpi * 10000)), 10000};
}

// What every output format carries, as exiv2 data. Called with the exiv2 mutex held.
struct Prepared {
    Exiv2::ExifData exif;
    Exiv2::XmpData xmp;
    std::vector<unsigned char> icc;
};

Prepared prepare_locked(const ImageMetadata& metadata, cv::Size size, int channels,
                        std::vector<std::string>* warnings) {
    Prepared p;
    p.icc = metadata.icc;
    if (!p.icc.empty()) {
        const std::string space = icc_colour_space(p.icc);
        if (space.empty()) {
            if (warnings) warnings->push_back("ICC profile dropped: not a valid profile");
            p.icc.clear();
        } else if (!icc_fits(space, channels)) {
            if (warnings)
                warnings->push_back("ICC profile dropped: it describes " + space + " but the output is " +
                                    (channels == 1 ? "greyscale" : "RGB"));
            p.icc.clear();
        }
    }
    if (metadata.exiv) {
        p.exif = metadata.exiv->exif;
        for (const char* key : kStructureTags) erase_key(p.exif, key);
        Exiv2::ExifThumb(p.exif).erase();  // the embedded preview shows the image before processing
        p.xmp = metadata.exiv->xmp;
        if (p.xmp.findKey(Exiv2::XmpKey("Xmp.tiff.Orientation")) != p.xmp.end()) p.xmp["Xmp.tiff.Orientation"] = "1";
        if (p.xmp.findKey(Exiv2::XmpKey("Xmp.exif.PixelXDimension")) != p.xmp.end()) {
            p.xmp["Xmp.exif.PixelXDimension"] = std::to_string(size.width);
            p.xmp["Xmp.exif.PixelYDimension"] = std::to_string(size.height);
        }
    }
    if (metadata.dpi_x > 0 && metadata.dpi_y > 0) {
        p.exif["Exif.Image.XResolution"] = resolution_rational(metadata.dpi_x);
        p.exif["Exif.Image.YResolution"] = resolution_rational(metadata.dpi_y);
        p.exif["Exif.Image.ResolutionUnit"] = uint16_t(2);
    }
    if (!p.exif.empty()) {
        p.exif["Exif.Image.Orientation"] = uint16_t(1);
        if (p.exif.findKey(Exiv2::ExifKey("Exif.Photo.PixelXDimension")) != p.exif.end()) {
            p.exif["Exif.Photo.PixelXDimension"] = uint32_t(size.width);
            p.exif["Exif.Photo.PixelYDimension"] = uint32_t(size.height);
        }
    }
    return p;
}

// JFIF's own density field (which readers consult before EXIF): the APP0 segment libjpeg
// writes first, at a fixed layout: units at byte 13, X and Y density (big-endian) at 14, 16.
void set_jfif_density(std::vector<unsigned char>& jpeg, double dpi_x, double dpi_y) {
    static const unsigned char app0[] = {0xFF, 0xD8, 0xFF, 0xE0};
    if (jpeg.size() < 18 || std::memcmp(jpeg.data(), app0, 4) != 0 || std::memcmp(&jpeg[6], "JFIF\0", 5) != 0)
        return;
    auto put = [&](std::size_t at, double dpi) {
        const long v = std::clamp(std::lround(dpi), 1L, 65535L);
        jpeg[at] = uchar(v >> 8);
        jpeg[at + 1] = uchar(v & 0xFF);
    };
    jpeg[13] = 1;  // dots per inch
    put(14, dpi_x);
    put(16, dpi_y);
}

// JPEG and TIFF: exiv2 writes EXIF, XMP and the profile where those formats keep them.
std::vector<unsigned char> write_with_exiv2_locked(const std::vector<unsigned char>& encoded, const Prepared& p) {
    Exiv2::Image::AutoPtr img = Exiv2::ImageFactory::open(encoded.data(), long(encoded.size()));
    if (!img.get()) throw ImageError("exiv2 cannot open the encoded image");
    img->readMetadata();
    img->setExifData(p.exif);
    img->setXmpData(p.xmp);
    if (!p.icc.empty()) {
        Exiv2::DataBuf buf(p.icc.data(), long(p.icc.size()));
        img->setIccProfile(buf, true);
    }
    img->writeMetadata();
    Exiv2::BasicIo& io = img->io();
    io.open();
    io.seek(0, Exiv2::BasicIo::beg);
    Exiv2::DataBuf out = io.read(long(io.size()));
    io.close();
    return std::vector<unsigned char>(out.pData_, out.pData_ + out.size_);
}

}  // namespace

ImageMetadata read_metadata(const unsigned char* data, std::size_t size, std::vector<std::string>* warnings) {
    ImageMetadata m;
    std::lock_guard<std::mutex> lock(exiv_mutex());
    init_exiv2_locked();
    try {
        Exiv2::Image::AutoPtr img = Exiv2::ImageFactory::open(data, long(size));
        if (!img.get()) return m;
        img->readMetadata();
        auto payload = std::make_shared<ExivPayload>();
        payload->exif = img->exifData();
        payload->xmp = img->xmpData();
        auto it = payload->exif.findKey(Exiv2::ExifKey("Exif.Image.Orientation"));
        if (it != payload->exif.end() && it->count() > 0) {
            long o = it->toLong();
            if (o >= 1 && o <= 8) m.orientation = int(o);
            else if (warnings) warnings->push_back("EXIF orientation " + std::to_string(o) + " is not 1..8; ignored");
        }
        read_exif_resolution(payload->exif, m);
        if (img->iccProfileDefined()) {
            const Exiv2::DataBuf* icc = img->iccProfile();
            m.icc.assign(icc->pData_, icc->pData_ + icc->size_);
        }
        if (!payload->exif.empty() || !payload->xmp.empty()) m.exiv = payload;
    } catch (const std::exception& e) {
        if (warnings) warnings->push_back(std::string("metadata not read: ") + e.what());
        m = ImageMetadata{};
    }
    return m;
}

OutputMetadata output_metadata(const ImageMetadata& metadata, cv::Size size, int channels,
                               std::vector<std::string>* warnings) {
    OutputMetadata out;
    out.dpi_x = metadata.dpi_x;
    out.dpi_y = metadata.dpi_y;
    std::lock_guard<std::mutex> lock(exiv_mutex());
    init_exiv2_locked();
    try {
        Prepared p = prepare_locked(metadata, size, channels, warnings);
        out.icc = std::move(p.icc);
        if (!p.exif.empty()) {
            Exiv2::Blob blob;
            Exiv2::ExifParser::encode(blob, Exiv2::littleEndian, p.exif);
            out.exif.assign(blob.begin(), blob.end());
        }
        if (!p.xmp.empty() && Exiv2::XmpParser::encode(out.xmp, p.xmp) != 0) {
            if (warnings) warnings->push_back("XMP dropped: exiv2 cannot serialise it");
            out.xmp.clear();
        }
    } catch (const std::exception& e) {
        throw ImageError(std::string("cannot write metadata: ") + e.what());
    }
    return out;
}

std::vector<unsigned char> embed_metadata(const std::vector<unsigned char>& encoded, const std::string& format,
                                          const ImageMetadata& metadata, cv::Size size, int channels,
                                          std::vector<std::string>* warnings) {
    if (metadata.empty()) return encoded;
    if (format == "webp") return webp_with_metadata(encoded, output_metadata(metadata, size, channels, warnings));
    if (format != "jpeg" && format != "tiff") {
        if (warnings) warnings->push_back("metadata dropped: " + format + " files carry no EXIF/ICC");
        return encoded;
    }
    std::vector<unsigned char> out;
    {
        std::lock_guard<std::mutex> lock(exiv_mutex());
        init_exiv2_locked();
        try {
            out = write_with_exiv2_locked(encoded, prepare_locked(metadata, size, channels, warnings));
        } catch (const ImageError&) {
            throw;
        } catch (const std::exception& e) {
            throw ImageError(std::string("cannot write metadata: ") + e.what());
        }
    }
    if (format == "jpeg" && metadata.dpi_x > 0 && metadata.dpi_y > 0) set_jfif_density(out, metadata.dpi_x, metadata.dpi_y);
    return out;
}

cv::Mat apply_orientation(const cv::Mat& image, int orientation) {
    cv::Mat out;
    switch (orientation) {
    case 2: cv::flip(image, out, 1); break;
    case 3: cv::rotate(image, out, cv::ROTATE_180); break;
    case 4: cv::flip(image, out, 0); break;
    case 5: cv::transpose(image, out); break;
    case 6: cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE); break;
    case 7: {
        cv::Mat t;
        cv::transpose(image, t);
        cv::rotate(t, out, cv::ROTATE_180);
        break;
    }
    case 8: cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE); break;
    default: out = image; break;
    }
    return out;
}

}  // namespace portrait

#pragma GCC diagnostic pop
