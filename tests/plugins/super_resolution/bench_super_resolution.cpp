// bench_super_resolution: seconds per input megapixel of each ESRGAN model and scale, tiled as
// the stage runs them (tile 192, tile_pad 24), against the machine's floor measured in the
// same run: the model's convolution FLOPs (counted from its TF.js model.json, tile context
// included) over the GFLOP/s one LibTorch 3x3 convolution reaches here. Built, not run by
// ctest. Usage: bench_super_resolution [--threads N] [--side PX] [--reps N]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <ATen/Parallel.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <torch/torch.h>

#include <portrait/tiling.hpp>

#include "esrgan_upscaler.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

fs::path models_dir() {
    const char* c = std::getenv("PORTRAIT_CACHE");
    const char* home = std::getenv("HOME");
    return (c && *c ? fs::path(c) : fs::path(home ? home : "/root") / ".cache" / "portrait") / "models";
}

// Convolution FLOPs (2 per multiply-add) per input pixel, from the Keras graph: each layer's
// resolution is that of its first input, times the factor of an upsampling layer.
double flops_per_input_pixel(const fs::path& model_json) {
    const nlohmann::json m = nlohmann::json::parse(std::ifstream(model_json));
    std::map<std::string, std::vector<int>> kernels;  // name -> [kh, kw, cin, cout]
    for (const auto& group : m["weightsManifest"])
        for (const auto& w : group["weights"]) {
            const std::string n = w["name"];
            if (n.size() > 7 && n.compare(n.size() - 7, 7, "/kernel") == 0)
                kernels[n.substr(0, n.size() - 7)] = w["shape"].get<std::vector<int>>();
        }
    std::map<std::string, double> factor;
    double flops = 0;
    for (const auto& l : m["modelTopology"]["model_config"]["config"]["layers"]) {
        const std::string name = l["name"], cls = l["class_name"];
        double f = 1;
        if (!l["inbound_nodes"].empty()) f = factor[l["inbound_nodes"][0][0][0].get<std::string>()];
        if (cls == "UpSampling2D") f *= l["config"]["size"][0].get<double>();
        if (cls.rfind("PixelShuffle", 0) == 0) f *= double(cls[12] - '0');
        if (cls == "Conv2D") {
            const auto& k = kernels.at(name);
            flops += 2.0 * k[0] * k[1] * k[2] * k[3] * f * f;
        }
        factor[name] = f;
    }
    return flops;
}

// GFLOP/s of one fp32 3x3, 64 -> 64 convolution on a tile-sized input, channels-last (the
// layout oneDNN is fastest in here): the rate the networks' convolutions could reach now.
double conv_gflops() {
    torch::InferenceMode guard;
    const auto x = torch::randn({1, 64, 240, 240}).contiguous(torch::MemoryFormat::ChannelsLast);
    const auto w = torch::randn({64, 64, 3, 3}), b = torch::randn({64});
    for (int i = 0; i < 3; ++i) torch::conv2d(x, w, b, 1, 1);
    const int reps = 10;
    const auto t0 = Clock::now();
    for (int i = 0; i < reps; ++i) torch::conv2d(x, w, b, 1, 1);
    return 2.0 * 64 * 64 * 9 * 240 * 240 * reps / seconds_since(t0) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
    int threads = 2, side = 384, reps = 3;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i];
        if (a == "--threads") threads = std::atoi(argv[i + 1]);
        else if (a == "--side") side = std::atoi(argv[i + 1]);
        else if (a == "--reps") reps = std::atoi(argv[i + 1]);
    }
    at::set_num_threads(threads);
    cv::setNumThreads(threads);
    const cv::Mat photo = cv::imread("/usr/lib/python3/dist-packages/skimage/data/astronaut.png", cv::IMREAD_COLOR);
    if (photo.empty()) {
        std::fprintf(stderr, "astronaut.png not found (apt-get install python3-skimage)\n");
        return 2;
    }
    side = std::min(side, 512);
    const cv::Mat img = photo(cv::Rect(0, 0, side, side)).clone();
    const double mp = img.total() / 1e6;
    // Pixels the network sees with the stage's tiles, context included.
    double tiled_px = 0;
    for (const auto& t : portrait::tiling::make_tiles(img.size(), 192, 24)) tiled_px += t.padded.area();

    const double rate = conv_gflops();
    std::printf("ESRGAN on a %dx%d astronaut crop, tile 192 + 24, %d threads, median of %d; conv floor rate "
                "%.0f GFLOP/s (3x3 64->64 channels-last, measured now)\n\n",
                side, side, threads, reps, rate);
    std::printf("| model | scale | GFLOP per input MP | s per input MP | floor s/MP (tiles incl.) | x floor |\n");
    std::printf("|---|---|---|---|---|---|\n");
    for (const char* v : {"slim", "medium", "thick"})
        for (int s : {2, 3, 4}) {
            const fs::path dir = models_dir() / ("esrgan-" + std::string(v)) / ("x" + std::to_string(s));
            if (!fs::exists(dir / "model.pt") || !fs::exists(dir / "model.json")) {
                std::printf("| %s | %d | (not fetched: portrait models fetch esrgan-%s) | | | |\n", v, s, v);
                continue;
            }
            portrait::super_resolution::EsrganUpscaler up(dir / "model.pt", s);
            up.upscale(img, 192, 24);  // first call: allocations, graph setup
            std::vector<double> times;
            for (int r = 0; r < reps; ++r) {
                const auto t0 = Clock::now();
                up.upscale(img, 192, 24);
                times.push_back(seconds_since(t0));
            }
            std::sort(times.begin(), times.end());
            const double t = times[times.size() / 2] / mp;
            const double flops = flops_per_input_pixel(dir / "model.json");
            const double floor = flops * tiled_px / img.total() * 1e6 / (rate * 1e9);
            std::printf("| %s | %d | %.1f | %.2f | %.2f | %.2f |\n", v, s, flops * 1e6 / 1e9, t, floor, t / floor);
            std::fflush(stdout);
        }
    return 0;
}
