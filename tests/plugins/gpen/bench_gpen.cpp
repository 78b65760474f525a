// Benchmark of the gpen stage (not run by ctest). Prints a table: per-face time of the
// whole stage path (align, restore, paste) at 512 and 1024, the network alone, RealESRNet
// ms per input megapixel, and each measurement's peak RSS. Each measurement runs in its
// own child process so that peak RSS is its own. A second table times the network against the
// ModelScope original architecture (gpen-S-original/model.pt, `--layout original`) in the same
// child, and against the machine's floor: the network's convolution FLOPs over the rate this
// process measures for one of its own 3x3 convolutions alone.
//
//   bench_gpen [--models DIR] [--threads 2] [--faces 3] [--batch 1] [--sr-size 512] [--sr-tile 400]
//              [--sr-pad 32] [--only 512|1024|2048|sr] [--original-runs 1] [--no-original]
//
// DIR holds gpen-512/model.pt, gpen-1024/model.pt, [gpen-2048/model.pt], realesrnet-x2/model.pt,
// and the same names with -original (the original layouts; --no-original skips them)
// (default ${PORTRAIT_CACHE:-~/.cache/portrait}/models). Synthetic full-size models:
// tests/plugins/gpen/make_bench_models.sh DIR.
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <opencv2/core/utility.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/script.h>
#include <torch/torch.h>

#include "enhance.hpp"
#include "face_template.hpp"
#include "paste_mask.hpp"
#include "portrait/runtime/resources.hpp"
#include "torch_models.hpp"

namespace fs = std::filesystem;
using namespace portrait;
using namespace portrait::gpen;
using Clock = std::chrono::steady_clock;

namespace {

double secs(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

// Process CPU seconds (all threads): on a shared, loaded machine wall time overstates
// the cost; CPU time / threads is what an idle machine of the same class would take.
double cpu_secs() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

double load_average() {
    std::ifstream in("/proc/loadavg");
    double l = 0;
    in >> l;
    return l;
}

double peak_rss_mib() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    return 0;
}

struct Options {
    fs::path models;
    int threads = 2, faces = 3, batch = 1, sr_size = 512, sr_tile = 400, sr_pad = 32, original_runs = 1;
    bool original = true;
    std::string only;
};

// Multiply-adds of one GPEN forward pass, counted for the original architecture
// (../shared/docs/gpen.md 2.7: 138.1 G at 512, 173.3 G at 1024; convolutions only).
double gpen_gflop(int size) { return size == 512 ? 2 * 138.1 : size == 1024 ? 2 * 173.3 : 0; }

// GFLOP/s of one mid-network 3x3 convolution alone (512 -> 256 channels at 128 px,
// channels-last, fp32), best of three: what oneDNN reaches on this machine now.
double conv_rate() {
    torch::InferenceMode guard;
    auto x = torch::randn({1, 512, 128, 128}).contiguous(at::MemoryFormat::ChannelsLast);
    auto w = torch::randn({256, 512, 3, 3}).contiguous(at::MemoryFormat::ChannelsLast);
    auto b = torch::randn({256});
    double best = 1e9;
    for (int i = 0; i < 4; ++i) {
        auto a = Clock::now();
        auto y = torch::conv2d(x, w, b, 1, 1);
        if (i) best = std::min(best, secs(a, Clock::now()));
    }
    return 2.0 * 128 * 128 * 256 * 512 * 9 / best / 1e9;
}

// Best wall seconds of `runs` calls on x after one warm-up call on `warm`.
double time_module(torch::jit::Module& m, const torch::Tensor& warm, const torch::Tensor& x, int runs) {
    torch::InferenceMode guard;
    torch::jit::GraphOptimizerEnabledGuard plain{false};
    m.forward({warm});
    double best = 1e9;
    for (int i = 0; i < runs; ++i) {
        auto a = Clock::now();
        m.forward({x});
        best = std::min(best, secs(a, Clock::now()));
    }
    return best;
}

// One line of the network table: the original's architecture and ours in one process.
std::string bench_network(const Options& o, int size) {
    const std::string name = "gpen-" + std::to_string(size);
    const fs::path ours_file = o.models / name / "model.pt", orig_file = o.models / (name + "-original") / "model.pt";
    if (!fs::is_regular_file(ours_file)) return "| GPEN-" + std::to_string(size) + " | (no " + ours_file.string() + ") | | | | | |";
    const double rate = conv_rate();
    const auto x = torch::rand({1, 3, size, size}) * 2 - 1;  // batch 1, in [-1, 1]
    torch::jit::Module ours = load_inference_module(ours_file, "cpu");
    const double t_ours = time_module(ours, x, x, 2);
    const double rss_ours = peak_rss_mib();
    std::string orig = "(not run)", ratio = "";
    if (o.original && fs::is_regular_file(orig_file)) {
        torch::jit::Module original = torch::jit::load(orig_file.string());  // as the original runs: not frozen
        const double t_orig = time_module(original, x, x, o.original_runs);
        char b[64];
        std::snprintf(b, sizeof b, "%.2f", t_orig);
        orig = b;
        std::snprintf(b, sizeof b, "**%.1fx**", t_orig / t_ours);
        ratio = b;
    } else if (o.original) {
        orig = "(no " + orig_file.string() + ")";
    }
    const double floor_s = gpen_gflop(size) / rate;
    char floor_cell[64] = "";
    if (floor_s > 0) std::snprintf(floor_cell, sizeof floor_cell, "%.2f (%.0f%% of ours)", floor_s, 100 * floor_s / t_ours);
    char line[400];
    std::snprintf(line, sizeof line, "| GPEN-%d | %s | %.2f | %s | %.0f | %s | %.0f | %.1f |", size, orig.c_str(), t_ours,
                  ratio.c_str(), rate, floor_cell, rss_ours, load_average());
    return line;
}

// A face filling most of a crop of `crop` px centred at c.
Face face_at(cv::Point2d c, double crop) {
    const Points5 t = gpen_template(512);
    Face f;
    for (int i = 0; i < 5; ++i)
        f.align5[i] = cv::Point2f(float(c.x + (t[i].x - 256) * crop / 512), float(c.y + (t[i].y - 256) * crop / 512));
    f.has_align5 = true;
    f.box = cv::Rect2f(float(c.x - crop / 4), float(c.y - crop / 4), float(crop / 2), float(crop / 2));
    return f;
}

cv::Mat photo_like(cv::Size s) {
    cv::Mat img(s, CV_8UC3);
    cv::RNG(9).fill(img, cv::RNG::UNIFORM, 0, 256);
    cv::GaussianBlur(img, img, cv::Size(0, 0), 2.0);
    return img;
}

// One line of the table (run in a child).
std::string bench_gpen(const Options& o, int size) {
    const fs::path file = o.models / ("gpen-" + std::to_string(size)) / "model.pt";
    if (!fs::is_regular_file(file)) return "| GPEN-" + std::to_string(size) + " | (no " + file.string() + ") | | | | |";
    auto t0 = Clock::now();
    TorchFaceRestorer restorer(file, size);
    auto t1 = Clock::now();
    // A 2x-size image with faces whose crops are about as large as the network input.
    const int crop = size * 3 / 4;
    const cv::Mat img = photo_like({crop * 2, crop * 2});
    const cv::Mat mask = make_paste_mask(size);
    ResizeUpsampler none(cv::INTER_LINEAR);
    EnhanceOptions opt;
    opt.batch = o.batch;
    // First call (JIT profiling and allocation), one face.
    auto t2 = Clock::now();
    enhance_faces(img, {face_at({double(crop), double(crop)}, crop)}, restorer, none, mask, opt);
    auto t3 = Clock::now();
    std::vector<Face> faces;
    for (int i = 0; i < o.faces; ++i)
        faces.push_back(face_at({crop * (0.7 + 0.6 * i / std::max(1, o.faces - 1)), double(crop)}, crop));
    auto t4 = Clock::now();
    const double c4 = cpu_secs();
    const EnhanceResult r = enhance_faces(img, faces, restorer, none, mask, opt);
    const double face_cpu = (cpu_secs() - c4) / r.restored;
    auto t5 = Clock::now();
    // The network alone, batch 1, best of two.
    std::vector<cv::Mat> one{aligned_crop(img, align_transform(faces[0], size), size)};
    double net = 1e9;
    for (int i = 0; i < 2; ++i) {
        auto a = Clock::now();
        restorer.restore(one);
        net = std::min(net, secs(a, Clock::now()));
    }
    char line[320];
    std::snprintf(line, sizeof line,
                  "| GPEN-%d | %.2f | %.2f | **%.2f** wall, %.2f CPU/%d (%d faces, batch %d) | %.2f | %.0f | %.1f |",
                  size, secs(t0, t1), secs(t2, t3), secs(t4, t5) / r.restored, face_cpu / o.threads, o.threads,
                  r.restored, o.batch, net, peak_rss_mib(), load_average());
    return line;
}

std::string bench_sr(const Options& o) {
    const fs::path file = o.models / "realesrnet-x2" / "model.pt";
    if (!fs::is_regular_file(file)) return "| RealESRNet x2 | (no " + file.string() + ") | | | | |";
    auto t0 = Clock::now();
    TorchUpsampler warm(file, o.sr_tile, o.sr_pad);
    auto t1 = Clock::now();
    warm.upsample(photo_like({64, 64}), 2);  // first call
    const cv::Mat img = photo_like({o.sr_size, o.sr_size});
    auto t2 = Clock::now();
    const double c2 = cpu_secs();
    const cv::Mat out = warm.upsample(img, 2);
    const double cpu = cpu_secs() - c2;
    auto t3 = Clock::now();
    const double mp = img.total() / 1e6;
    const double rss = peak_rss_mib();
    // The original (sr_process) sends the whole image through the network in one call, in the
    // default layout; same image, same process, after ours.
    std::string orig;
    const fs::path orig_file = o.models / "realesrnet-x2-original" / "model.pt";
    if (o.original && fs::is_regular_file(orig_file)) {
        torch::jit::Module m = torch::jit::load(orig_file.string());
        // warm up on a small input: the whole image takes the original seconds
        const double t = time_module(m, torch::rand({1, 3, 64, 64}), torch::rand({1, 3, o.sr_size, o.sr_size}), 1);
        char b[160];
        std::snprintf(b, sizeof b, "; original, whole image: %.0f ms per input MP, ours **%.1fx**", t * 1000 / mp,
                      t / secs(t2, t3));
        orig = b;
    }
    char line[480];
    std::snprintf(line, sizeof line,
                  "| RealESRNet x2 | %.2f | | **%.0f ms per input MP** wall, %.0f CPU/%d (%dx%d -> %dx%d, tile %d, "
                  "pad %d)%s | | %.0f | %.1f |",
                  secs(t0, t1), secs(t2, t3) * 1000 / mp, cpu * 1000 / mp / o.threads, o.threads, img.cols, img.rows,
                  out.cols, out.rows, o.sr_tile, o.sr_pad, orig.c_str(), rss, load_average());
    return line;
}

// The GPEN sizes this run covers: 512 and 1024, or the one --only names (2048 only so).
std::vector<int> gpen_sizes(const Options& o) {
    if (o.only.empty()) return {512, 1024};
    for (int size : {512, 1024, 2048})
        if (o.only == std::to_string(size)) return {size};
    return {};
}

std::string in_child(const std::function<std::string()>& fn) {
    int fds[2];
    if (pipe(fds) != 0) return "| pipe failed | | | | | |";
    const pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        std::string s;
        try {
            s = fn();
        } catch (const std::exception& e) {
            s = std::string("| error | ") + e.what() + " | | | | |";
        }
        (void)!write(fds[1], s.data(), s.size());
        close(fds[1]);
        _exit(0);
    }
    close(fds[1]);
    std::string s;
    char buf[512];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) s.append(buf, std::size_t(n));
    close(fds[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    return s.empty() ? "| child failed (status " + std::to_string(st) + ") | | | | | |" : s;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    const char* cache = std::getenv("PORTRAIT_CACHE");
    const char* home = std::getenv("HOME");
    o.models = cache ? fs::path(cache) / "models" : fs::path(home ? home : ".") / ".cache" / "portrait" / "models";
    for (int i = 1; i < argc; i += 2) {
        const std::string k = argv[i];
        if (k == "--no-original") {
            o.original = false;
            --i;
            continue;
        }
        if (i + 1 >= argc) {
            std::cerr << "option " << k << " needs a value\n";
            return 2;
        }
        const std::string v = argv[i + 1];
        if (k == "--models") o.models = v;
        else if (k == "--threads") o.threads = std::stoi(v);
        else if (k == "--faces") o.faces = std::stoi(v);
        else if (k == "--batch") o.batch = std::stoi(v);
        else if (k == "--sr-size") o.sr_size = std::stoi(v);
        else if (k == "--only") o.only = v;
        else if (k == "--sr-tile") o.sr_tile = std::stoi(v);
        else if (k == "--sr-pad") o.sr_pad = std::stoi(v);
        else if (k == "--original-runs") o.original_runs = std::stoi(v);
        else {
            std::cerr << "unknown option " << k << "\n";
            return 2;
        }
    }
    // Child processes inherit these: set before any LibTorch work starts a pool. Freed memory
    // kept for reuse, as `portrait run` sets it up.
    torch::set_num_threads(o.threads);
    cv::setNumThreads(o.threads);
    portrait::keep_freed_memory_for_reuse();
    std::cout << "gpen stage benchmark: fp32, CPU, " << o.threads << " threads"
              << ", models from " << o.models << "\n\n"
              << "| model | load s | first face s | per face s (stage: align+restore+paste) | network s | peak RSS MiB | "
                 "load avg |\n"
              << "|---|---|---|---|---|---|---|\n";
    for (int size : gpen_sizes(o))  // 2048 only on request: 2 GiB+ and slow
        std::cout << in_child([&] { return bench_gpen(o, size); }) << "\n" << std::flush;
    if (o.only.empty() || o.only == "sr") std::cout << in_child([&] { return bench_sr(o); }) << "\n";
    if (gpen_sizes(o).empty()) return 0;
    std::cout << "\nThe network alone, batch 1, best of runs after a warm-up (original: the ModelScope architecture,\n"
                 "traced, unfrozen, as it runs; ours: the converted file the stage loads). Floor: the network's\n"
                 "convolution FLOPs at the conv rate measured in the same child. Peak RSS: ours, before the original loads.\n\n"
              << "| network | original s | ours s | ours vs original | conv GFLOP/s | floor s | peak RSS MiB | load avg |\n"
              << "|---|---|---|---|---|---|---|---|\n";
    for (int size : gpen_sizes(o))
        std::cout << in_child([&] { return bench_network(o, size); }) << "\n" << std::flush;
    return 0;
}
