// Helpers for the batch tests and benchmark: run the portrait CLI as a child process,
// make synthetic photos and the odd files the tests need (CMYK JPEG, EXIF orientation,
// ICC profile), read reports.
#pragma once

#include <array>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <sys/types.h>

#include "test_temp_dir.hpp"

namespace bt {

namespace fs = std::filesystem;

struct Result {
    int code = -1;
    std::string out, err;
};

std::string quote(const std::string& s);
// A fresh folder, world-writable so a test can run the CLI as an unprivileged user.
struct TempDir : portrait_test::TempDir {
    TempDir() : portrait_test::TempDir("batch-test", true) {}
};

// Runs portrait with `args`, the test plugin folder on PORTRAIT_PLUGIN_PATH and a private
// PORTRAIT_CACHE. `prefix` is shell text run before (e.g. "ulimit -f 64;"), `wrapper`
// goes in front of the command (e.g. "setpriv ..."), `stdin_text` is fed to its stdin.
Result run_portrait(const std::vector<std::string>& args, const fs::path& cache, const std::string& prefix = "",
                    const std::string& wrapper = "", const std::string& stdin_text = "");
// Starts portrait in the background (stderr to `err_file`); returns its pid.
pid_t spawn_portrait(const std::vector<std::string>& args, const fs::path& cache, const fs::path& err_file);
// Waits for a child; returns its exit status, or 128 + signal.
int wait_child(pid_t pid);

std::string test_pipeline(const std::string& name);  // tests/batch/pipelines/<name>.yaml
std::string tone_pipeline();                         // pipelines/tone.yaml
// "setpriv ..." to run as nobody when we are root (permissions do not stop root), else "".
std::string unprivileged_wrapper();

// A deterministic photo-like image (gradients, texture), BGR 8-bit.
cv::Mat photo(int width, int height, int seed = 1);
// Paints n pure red squares ("faces" for test_faces) on a copy.
cv::Mat with_faces(const cv::Mat& img, int n);

void write_bytes(const fs::path& file, const std::vector<unsigned char>& bytes);
std::vector<unsigned char> read_bytes(const fs::path& file);
std::vector<unsigned char> encode(const std::string& ext, const cv::Mat& img, std::vector<int> params = {});
nlohmann::json read_json(const fs::path& file);
// The report without what may differ between identical runs (timings, memory, run).
nlohmann::json without_timings(nlohmann::json report);

// A CMYK JPEG through libjpeg (OpenCV cannot write one); `fill(y, row)` writes one row of
// stored C, M, Y, K bytes. libjpeg adds Adobe's marker, so readers take the stored values
// as inverted (255 = no ink).
std::vector<unsigned char> write_cmyk_jpeg(int width, int height,
                                           const std::function<void(int, unsigned char*)>& fill);
// A CMYK JPEG of gradients.
std::vector<unsigned char> cmyk_jpeg(int width, int height);
// A CMYK JPEG of one colour: stored C, M, Y, K bytes (inverted: 255 = no ink).
std::vector<unsigned char> cmyk_patch_jpeg(int width, int height, const std::array<unsigned char, 4>& stored);
// A made-up press: inks 0..1 -> sRGB 0..1, and a CMYK ICC profile (lcms2) that describes it.
cv::Vec3d press_rgb(const cv::Vec4d& ink);
std::vector<unsigned char> cmyk_press_profile();
// JPEG/PNG bytes with an EXIF orientation tag / an ICC profile added (exiv2).
std::vector<unsigned char> with_orientation(const std::vector<unsigned char>& bytes, int orientation);
std::vector<unsigned char> with_icc(const std::vector<unsigned char>& bytes, const std::vector<unsigned char>& icc);
// sRGB and CMYK-ish profiles made by lcms2.
std::vector<unsigned char> srgb_profile();
// EXIF orientation and ICC profile of encoded bytes (exiv2); orientation 0 = no tag.
int orientation_of(const std::vector<unsigned char>& bytes);
std::vector<unsigned char> icc_of(const std::vector<unsigned char>& bytes);
// Files under `dir` whose name has the atomic writer's temp tag.
std::vector<fs::path> temp_files_under(const fs::path& dir);

}  // namespace bt
