// Helpers for the gpen tests: TorchScript stand-in models written from source, a .npy
// reader for the shared fixtures, and where the converted tiny models are.
#pragma once

#include <array>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include <torch/script.h>

#include "portrait/runtime/sha256.hpp"

namespace gpen_test {
namespace fs = std::filesystem;

// Saves a module whose forward is `body` (TorchScript source of `def forward(self, x):`)
// to dir/name/model.pt with its sha256 sidecar, as a converter would. Returns the file.
inline fs::path write_module(const fs::path& dir, const std::string& name, const std::string& body) {
    torch::jit::Module m("StandIn");
    m.define("def forward(self, x):\n" + body);
    fs::create_directories(dir / name);
    const fs::path file = dir / name / "model.pt";
    m.save(file.string());
    std::ofstream(file.string() + ".sha256") << portrait::sha256_file(file) << "  model.pt\n";
    return file;
}

// little-endian C-order .npy (float32, or uint8 when `dtype` is "|u1") -> tensor.
inline torch::Tensor load_npy(const fs::path& file, const std::string& dtype = "<f4") {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + file.string());
    char magic[8];
    in.read(magic, 8);
    if (std::memcmp(magic, "\x93NUMPY", 6) != 0) throw std::runtime_error("not a .npy file: " + file.string());
    std::size_t header_len = 0;
    if (magic[6] == 1) {
        unsigned char b[2];
        in.read(reinterpret_cast<char*>(b), 2);
        header_len = b[0] | (b[1] << 8);
    } else {
        unsigned char b[4];
        in.read(reinterpret_cast<char*>(b), 4);
        header_len = b[0] | (b[1] << 8) | (b[2] << 16) | (std::size_t(b[3]) << 24);
    }
    std::string header(header_len, ' ');
    in.read(header.data(), std::streamsize(header_len));
    if (header.find("'" + dtype + "'") == std::string::npos || header.find("'fortran_order': False") == std::string::npos)
        throw std::runtime_error("expected " + dtype + " C-order: " + file.string());
    std::vector<int64_t> shape;
    const auto open = header.find('(', header.find("'shape'")), close = header.find(')', open);
    std::string dims = header.substr(open + 1, close - open - 1);
    for (std::size_t p = 0; p < dims.size();) {
        const auto comma = dims.find(',', p);
        const std::string tok = dims.substr(p, comma == std::string::npos ? std::string::npos : comma - p);
        if (tok.find_first_of("0123456789") != std::string::npos) shape.push_back(std::stoll(tok));
        if (comma == std::string::npos) break;
        p = comma + 1;
    }
    torch::Tensor t = torch::empty(shape, dtype == "|u1" ? torch::kUInt8 : torch::kFloat32);
    in.read(reinterpret_cast<char*>(t.data_ptr()), std::streamsize(t.numel() * t.element_size()));
    if (!in) throw std::runtime_error("truncated .npy: " + file.string());
    return t;
}

inline fs::path shared_dir() {
    const char* s = std::getenv("PORTRAIT_SHARED");
    return s ? fs::path(s) : fs::path();
}

inline fs::path data_dir() { return fs::path(GPEN_TEST_DATA); }

// Faces' align5 points from a data file: one face per line, "x,y x,y x,y x,y x,y"; # comments.
inline std::vector<std::array<cv::Point2f, 5>> read_align5(const fs::path& file) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    std::vector<std::array<cv::Point2f, 5>> faces;
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] == '#') continue;
        std::array<cv::Point2f, 5> p;
        std::istringstream ls(line);
        char comma = 0;
        for (auto& q : p)
            if (!(ls >> q.x >> comma >> q.y) || comma != ',') throw std::runtime_error("bad line in " + file.string());
        faces.push_back(p);
    }
    return faces;
}

// The same points as the test_faces stage's `points` parameter.
inline std::string points_param(const std::array<cv::Point2f, 5>& p) {
    std::ostringstream s;
    s.precision(9);
    for (int i = 0; i < 5; ++i) s << (i ? " " : "") << p[i].x << "," << p[i].y;
    return s.str();
}

// Converted tiny models (tests/plugins/gpen/convert_tiny_models.sh), or empty.
inline fs::path tiny_model(const std::string& name) {
    const fs::path p = fs::path(GPEN_TEST_MODELS) / name / "model.pt";
    return fs::is_regular_file(p) ? p : fs::path();
}

}  // namespace gpen_test
