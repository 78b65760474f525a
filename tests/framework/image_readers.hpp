// Independent readers for the image I/O tests: what PIL, pngcheck, webpmux and libpng itself
// make of a file we wrote, so the tests never judge our output by our own reading code.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace image_readers {

namespace fs = std::filesystem;

struct Shell {
    int code = -1;
    std::string out;  // stdout and stderr together
};
// Runs a bash command line; captures its output.
Shell shell(const std::string& command);
std::string quote(const std::string& s);
// Whether `tool` is on PATH.
bool have(const std::string& tool);

// /usr/bin/python3 has PIL (Debian python3-pil).
bool have_pil();
// Runs a Python script (PIL is imported for it) with `args`; returns its exit status and
// output.
Shell python(const std::string& script, const std::vector<std::string>& args = {});

// What PIL reads from an image file: {"ok", "error", "format", "size", "icc" (hex), "dpi"
// (list, empty if none), "exif": {"make", "artist", "orientation", "x_resolution"}, "xmp"
// (the packet as text), "srgb" (an sRGB chunk)}.
nlohmann::json pil_read(const fs::path& file);
std::string hex(const std::vector<unsigned char>& bytes);

// What libpng reads from a PNG: every warning it gives on the way, and the colour and
// resolution chunks.
struct PngRead {
    std::vector<std::string> warnings;
    std::string error;  // set when libpng refused the file
    bool has_iccp = false, has_srgb = false, has_exif = false;
    std::string iccp_name;
    std::vector<unsigned char> icc;
    unsigned ppm_x = 0, ppm_y = 0;  // pHYs in pixels per metre, 0 = none
    bool phys_in_metres = false;
};
PngRead libpng_read(const std::vector<unsigned char>& png);

std::vector<unsigned char> read_bytes(const fs::path& file);
void write_bytes(const fs::path& file, const std::vector<unsigned char>& bytes);

}  // namespace image_readers
