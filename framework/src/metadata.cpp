#include "portrait/runtime/metadata.hpp"

#include <mutex>

#include <lcms2.h>
#include <opencv2/core.hpp>

// exiv2 0.27's API hands out std::auto_ptr; the deprecation is theirs, not ours.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <exiv2/exiv2.hpp>

#include "portrait/runtime/errors.hpp"

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

std::vector<unsigned char> embed_metadata(const std::vector<unsigned char>& encoded, const std::string& format,
                                          const ImageMetadata& metadata, cv::Size size, int channels,
                                          std::vector<std::string>* warnings) {
    if (metadata.empty()) return encoded;
    if (format != "jpeg" && format != "png" && format != "webp" && format != "tiff") {
        if (warnings) warnings->push_back("metadata dropped: " + format + " files carry no EXIF/ICC");
        return encoded;
    }
    std::vector<unsigned char> icc = metadata.icc;
    if (!icc.empty()) {
        const std::string space = icc_colour_space(icc);
        if (space.empty()) {
            if (warnings) warnings->push_back("ICC profile dropped: not a valid profile");
            icc.clear();
        } else if (!icc_fits(space, channels)) {
            if (warnings)
                warnings->push_back("ICC profile dropped: it describes " + space + " but the output is " +
                                    (channels == 1 ? "greyscale" : "RGB"));
            icc.clear();
        }
    }
    std::lock_guard<std::mutex> lock(exiv_mutex());
    init_exiv2_locked();
    try {
        Exiv2::Image::AutoPtr img = Exiv2::ImageFactory::open(encoded.data(), long(encoded.size()));
        if (!img.get()) throw ImageError("exiv2 cannot open the encoded image");
        img->readMetadata();
        if (metadata.exiv) {
            Exiv2::ExifData exif = metadata.exiv->exif;
            for (const char* key : kStructureTags) erase_key(exif, key);
            Exiv2::ExifThumb(exif).erase();  // the embedded preview shows the image before processing
            if (!exif.empty()) {
                exif["Exif.Image.Orientation"] = uint16_t(1);
                if (exif.findKey(Exiv2::ExifKey("Exif.Photo.PixelXDimension")) != exif.end()) {
                    exif["Exif.Photo.PixelXDimension"] = uint32_t(size.width);
                    exif["Exif.Photo.PixelYDimension"] = uint32_t(size.height);
                }
            }
            Exiv2::XmpData xmp = metadata.exiv->xmp;
            if (xmp.findKey(Exiv2::XmpKey("Xmp.tiff.Orientation")) != xmp.end()) xmp["Xmp.tiff.Orientation"] = "1";
            if (xmp.findKey(Exiv2::XmpKey("Xmp.exif.PixelXDimension")) != xmp.end()) {
                xmp["Xmp.exif.PixelXDimension"] = std::to_string(size.width);
                xmp["Xmp.exif.PixelYDimension"] = std::to_string(size.height);
            }
            img->setExifData(exif);
            img->setXmpData(xmp);
        }
        if (!icc.empty()) {
            Exiv2::DataBuf buf(icc.data(), long(icc.size()));
            img->setIccProfile(buf, true);
        }
        img->writeMetadata();
        Exiv2::BasicIo& io = img->io();
        io.open();
        io.seek(0, Exiv2::BasicIo::beg);
        Exiv2::DataBuf out = io.read(long(io.size()));
        io.close();
        return std::vector<unsigned char>(out.pData_, out.pData_ + out.size_);
    } catch (const ImageError&) {
        throw;
    } catch (const std::exception& e) {
        throw ImageError(std::string("cannot write metadata: ") + e.what());
    }
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
