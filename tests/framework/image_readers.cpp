#include "image_readers.hpp"

#include <array>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sys/wait.h>

#include <png.h>

#include "test_temp_dir.hpp"

namespace image_readers {

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

Shell shell(const std::string& command) {
    Shell r;
    FILE* p = ::popen(("bash -c " + quote(command + " 2>&1")).c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf{};
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    const int st = ::pclose(p);
    r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return r;
}

bool have(const std::string& tool) { return shell("command -v " + quote(tool)).code == 0; }

bool have_pil() { return shell("/usr/bin/python3 -c 'import PIL.Image'").code == 0; }

Shell python(const std::string& script, const std::vector<std::string>& args) {
    portrait_test::TempDir dir("pil");
    const fs::path file = dir / "script.py";
    std::ofstream(file) << script;
    std::string cmd = "/usr/bin/python3 " + quote(file.string());
    for (const auto& a : args) cmd += " " + quote(a);
    return shell(cmd);
}

nlohmann::json pil_read(const fs::path& file) {
    static const char* kScript = R"PY(
import json, sys
from PIL import Image
r = {"ok": False}
try:
    im = Image.open(sys.argv[1])
    im.load()
    r["format"] = im.format
    r["size"] = list(im.size)
    icc = im.info.get("icc_profile") or b""
    r["icc"] = icc.hex()
    r["dpi"] = [float(v) for v in im.info.get("dpi", ())]
    ex = im.getexif()
    r["exif"] = {"make": str(ex.get(271, "")), "artist": str(ex.get(315, "")),
                 "orientation": int(ex.get(274, 0)), "x_resolution": float(ex.get(282, 0))}
    xmp = b""
    if im.format == "JPEG":
        for seg, content in im.applist:
            if seg == "APP1" and content.startswith(b"http://ns.adobe.com/xap/1.0/\x00"):
                xmp = content
    elif im.format == "PNG":
        xmp = im.info.get("XML:com.adobe.xmp", "")
    elif im.format == "WEBP":
        xmp = im.info.get("xmp", b"")
    elif im.format == "TIFF":
        xmp = im.tag_v2.get(700, b"")
    r["xmp"] = xmp if isinstance(xmp, str) else bytes(xmp).decode("utf-8", "replace")
    r["srgb"] = "srgb" in im.info
    r["ok"] = True
except Exception as e:
    r["error"] = "%s: %s" % (type(e).__name__, e)
print(json.dumps(r))
)PY";
    const Shell s = python(kScript, {file.string()});
    const auto at = s.out.rfind("\n{");
    try {
        return nlohmann::json::parse(at == std::string::npos ? s.out : s.out.substr(at + 1));
    } catch (const std::exception&) {
        return {{"ok", false}, {"error", "PIL script failed: " + s.out}};
    }
}

std::string hex(const std::vector<unsigned char>& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string s;
    for (unsigned char b : bytes) {
        s += digits[b >> 4];
        s += digits[b & 15];
    }
    return s;
}

namespace {

struct PngSource {
    const std::vector<unsigned char>* bytes;
    std::size_t at = 0;
};

void png_source_read(png_structp png, png_bytep out, png_size_t n) {
    auto* src = static_cast<PngSource*>(png_get_io_ptr(png));
    if (src->at + n > src->bytes->size()) png_error(png, "read past the end of the data");
    std::memcpy(out, src->bytes->data() + src->at, n);
    src->at += n;
}

void png_collect_warning(png_structp png, png_const_charp message) {
    static_cast<PngRead*>(png_get_error_ptr(png))->warnings.push_back(message);
}

void png_fail(png_structp png, png_const_charp message) {
    static_cast<PngRead*>(png_get_error_ptr(png))->error = message;
    png_longjmp(png, 1);
}

// Reads the whole file as any libpng application does (header, rows, end chunks), so
// every warning a reader would print is seen. `r` lives in the caller's frame.
void read_png_into(const std::vector<unsigned char>& bytes, PngRead& r) {
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &r, png_fail, png_collect_warning);
    png_infop info = png_create_info_struct(png);
    png_infop end = png_create_info_struct(png);
    PngSource src{&bytes};
    std::vector<unsigned char> row;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, &end);
        return;
    }
    png_set_read_fn(png, &src, png_source_read);
    png_read_info(png, info);
    png_charp name = nullptr;
    int compression = 0;
    png_bytep profile = nullptr;
    png_uint_32 length = 0;
    if (png_get_iCCP(png, info, &name, &compression, &profile, &length) & PNG_INFO_iCCP) {
        r.has_iccp = true;
        r.iccp_name = name;
        r.icc.assign(profile, profile + length);
    }
    int intent = 0;
    r.has_srgb = png_get_sRGB(png, info, &intent) & PNG_INFO_sRGB;
    png_uint_32 x = 0, y = 0;
    int unit = 0;
    if (png_get_pHYs(png, info, &x, &y, &unit) & PNG_INFO_pHYs) {
        r.ppm_x = x;
        r.ppm_y = y;
        r.phys_in_metres = unit == PNG_RESOLUTION_METER;
    }
    png_uint_32 exif_len = 0;
    png_bytep exif = nullptr;
    r.has_exif = png_get_eXIf_1(png, info, &exif_len, &exif) & PNG_INFO_eXIf;
    row.resize(png_get_rowbytes(png, info));
    const int passes = png_set_interlace_handling(png);
    for (int p = 0; p < passes; ++p)
        for (png_uint_32 i = 0; i < png_get_image_height(png, info); ++i) png_read_row(png, row.data(), nullptr);
    png_read_end(png, end);
    png_destroy_read_struct(&png, &info, &end);
}

}  // namespace

PngRead libpng_read(const std::vector<unsigned char>& png) {
    PngRead r;
    read_png_into(png, r);
    return r;
}

std::vector<unsigned char> read_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::vector<unsigned char>(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const fs::path& file, const std::vector<unsigned char>& bytes) {
    std::ofstream(file, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

}  // namespace image_readers
