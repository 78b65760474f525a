// Benchmark of the gpen stage (not run by ctest). Prints a table: per-face time of the
// whole stage path (align, restore, paste) at 512 and 1024, the network alone, RealESRNet
// ms per input megapixel, and each measurement's peak RSS. Each measurement runs in its
// own child process so that peak RSS is its own.
//
//   bench_gpen [--models DIR] [--threads 2] [--faces 3] [--batch 1] [--sr-size 512] [--sr-tile 400]
//              [--sr-pad 32] [--only 512|1024|2048|sr]
//
// DIR holds gpen-512/model.pt, gpen-1024/model.pt, [gpen-2048/model.pt], realesrnet-x2/model.pt
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
    int threads = 2, faces = 3, batch = 1, sr_size = 512, sr_tile = 400, sr_pad = 32;
    std::string only;
};

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
    char line[320];
    std::snprintf(line, sizeof line,
                  "| RealESRNet x2 | %.2f | | **%.0f ms per input MP** wall, %.0f CPU/%d (%dx%d -> %dx%d, tile %d, "
                  "pad %d) | | %.0f | %.1f |",
                  secs(t0, t1), secs(t2, t3) * 1000 / mp, cpu * 1000 / mp / o.threads, o.threads, img.cols, img.rows,
                  out.cols, out.rows, o.sr_tile, o.sr_pad, peak_rss_mib(), load_average());
    return line;
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
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i], v = argv[i + 1];
        if (k == "--models") o.models = v;
        else if (k == "--threads") o.threads = std::stoi(v);
        else if (k == "--faces") o.faces = std::stoi(v);
        else if (k == "--batch") o.batch = std::stoi(v);
        else if (k == "--sr-size") o.sr_size = std::stoi(v);
        else if (k == "--only") o.only = v;
        else if (k == "--sr-tile") o.sr_tile = std::stoi(v);
        else if (k == "--sr-pad") o.sr_pad = std::stoi(v);
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
    for (int size : {512, 1024, 2048}) {
        if (!o.only.empty() && o.only != std::to_string(size)) continue;
        if (size == 2048 && o.only.empty()) continue;  // only on request: 2 GiB+ and slow
        std::cout << in_child([&] { return bench_gpen(o, size); }) << "\n" << std::flush;
    }
    if (o.only.empty() || o.only == "sr") std::cout << in_child([&] { return bench_sr(o); }) << "\n";
    return 0;
}
