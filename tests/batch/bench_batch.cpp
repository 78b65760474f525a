// bench_batch: throughput and peak memory of `portrait run` end to end, printed as a
// table for docs/performance.md ("Batch"). Each run is a child process, so its peak
// RSS (wait4's ru_maxrss) is its own.
//
//   bench_batch [--pipeline FILE] [--images N] [--threads T] [--sizes 2,12] [--workers 1,2]
//               [--flat 10,1000] [--big-mp 50] [--big-limit 1GiB] [--photo FILE] [--cache DIR]
//
// Speed rows per photo size: one worker on one thread (the unit of scaling), one worker with
// all T threads (intra-op parallelism only), then each W in --workers with T threads (W images
// in flight, T / W threads each). "batch s" is the batch loop from the --report JSON (models
// loaded, images read to written); "process s" adds the process start-up (LibTorch, plugins).
// After each size, the per-image breakdown of its last run (mean ms per image from the report:
// read, decode, each stage, encode, write), so a slow pipeline says where its time goes.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sys/resource.h>
#include <sys/wait.h>

#include "batch_test_util.hpp"

namespace {

std::vector<int> ints(const std::string& s) {
    std::vector<int> v;
    std::stringstream ss(s);
    std::string tok;
    while (std::getline(ss, tok, ',')) v.push_back(std::stoi(tok));
    return v;
}

struct Run {
    int code = 0;
    double seconds = 0, rss_mib = 0, batch_s = 0;
};

Run run(const std::vector<std::string>& args, const bt::fs::path& cache) {
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = bt::spawn_portrait(args, cache, cache / "bench.log");
    int st = 0;
    rusage ru{};
    wait4(pid, &st, 0, &ru);
    Run r;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r.rss_mib = ru.ru_maxrss / 1024.0;
    return r;
}

// A real photo to enlarge instead of the synthetic one (--photo), e.g. a portrait, so the
// face stages of the default pipeline have faces to work on.
std::string g_photo;

// A photo of about `mp` megapixels (4:3), written once as a JPEG.
bt::fs::path make_photo(const bt::fs::path& dir, double mp, int seed) {
    const int w = int(std::sqrt(mp * 1e6 * 4 / 3)), h = w * 3 / 4;
    const bt::fs::path f = dir / ("src-" + std::to_string(w) + "x" + std::to_string(h) + ".jpg");
    if (!bt::fs::exists(f)) {
        cv::Mat small = g_photo.empty() ? bt::photo(640, 480, seed) : cv::imread(g_photo, cv::IMREAD_COLOR), img;
        if (small.empty()) throw std::runtime_error("cannot read --photo " + g_photo);
        cv::resize(small, img, cv::Size(w, h), 0, 0, cv::INTER_CUBIC);
        cv::Mat noise(img.size(), CV_8UC3);
        cv::randu(noise, 0, 12);
        img += noise;
        cv::imwrite(f.string(), img, {cv::IMWRITE_JPEG_QUALITY, 92});
    }
    return f;
}

// n hard links to one photo: n distinct inputs without n times the disk.
bt::fs::path input_set(const bt::fs::path& root, const bt::fs::path& src, int n) {
    const bt::fs::path dir = root / (src.stem().string() + "-x" + std::to_string(n));
    if (bt::fs::exists(dir)) return dir;
    bt::fs::create_directories(dir);
    for (int i = 0; i < n; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "img%05d.jpg", i);
        bt::fs::create_hard_link(src, dir / name);
    }
    return dir;
}

// Mean milliseconds per image of each step, in pipeline order, from a --report JSON.
std::string breakdown(const bt::fs::path& report) {
    std::vector<std::pair<std::string, double>> steps;
    auto add = [&](const std::string& name, double ms) {
        for (auto& [n, v] : steps)
            if (n == name) return void(v += ms);
        steps.push_back({name, ms});
    };
    std::size_t n = 0;
    double total = 0;
    try {
        const auto j = bt::read_json(report);
        for (const auto& it : j["items"]) {
            if (it["status"] != "ok") continue;
            ++n;
            add("read", it["ms"]["read"].get<double>());
            add("decode", it["ms"]["decode"].get<double>());
            for (const auto& st : it["stages"]) add("stage " + st["id"].get<std::string>(), st["ms"].get<double>());
            add("encode", it["ms"]["encode"].get<double>());
            add("write", it["ms"]["write"].get<double>());
            total += it["ms"]["total"].get<double>();
        }
    } catch (const std::exception& e) {
        return std::string("(no breakdown: ") + e.what() + ")\n";
    }
    if (n == 0) return "(no image succeeded: no breakdown)\n";
    std::string out = "| step | ms per image |\n|---|---|\n";
    double listed = 0;
    char line[160];
    for (const auto& [name, ms] : steps) {
        std::snprintf(line, sizeof line, "| %s | %.1f |\n", name.c_str(), ms / double(n));
        out += line;
        listed += ms;
    }
    // what the item's own total holds beyond the named steps (checks, metadata, fsync, rename)
    std::snprintf(line, sizeof line, "| other | %.1f |\n| **total** | **%.1f** |\n", (total - listed) / double(n),
                  total / double(n));
    return out + line;
}

}  // namespace

int main(int argc, char** argv) {
    std::string pipeline = bt::tone_pipeline(), big_limit = "1GiB", cache_arg;
    int images = 20, threads = 2;
    double big_mp = 50;
    std::vector<int> sizes{2, 12}, workers{1, 2}, flat{10, 1000};
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i], v = argv[i + 1];
        if (a == "--pipeline") pipeline = v;
        else if (a == "--images") images = std::stoi(v);
        else if (a == "--threads") threads = std::stoi(v);
        else if (a == "--sizes") sizes = ints(v);
        else if (a == "--workers") workers = ints(v);
        else if (a == "--flat") flat = ints(v);
        else if (a == "--big-mp") big_mp = std::stod(v);
        else if (a == "--big-limit") big_limit = v;
        else if (a == "--photo") g_photo = v;
        else if (a == "--cache") cache_arg = v;
        else {
            std::cerr << "unknown option " << a << "\n";
            return 2;
        }
    }
    bt::TempDir tmp;
    // An empty cache keeps the tone runs hermetic; --cache ~/.cache/portrait lends the face models.
    const auto cache = cache_arg.empty() ? tmp / "cache" : bt::fs::path(cache_arg);
    auto portrait_run = [&](const bt::fs::path& in, const std::vector<std::string>& extra) {
        std::vector<std::string> args{"run", in.string(), "-o", (tmp / "out").string(), "-p", pipeline,
                                      "--progress", "never"};
        if (std::find(extra.begin(), extra.end(), "--threads") == extra.end())
            args.insert(args.end(), {"--threads", std::to_string(threads)});
        args.insert(args.end(), extra.begin(), extra.end());
        bt::fs::remove_all(tmp / "out");
        return run(args, cache);
    };
    std::printf("pipeline: %s, threads: %d\n\n", pipeline.c_str(), threads);
    for (int mp : sizes) {
        std::printf("| photo | images | workers x threads each | process s | batch s | images/s (batch) | vs 1 x 1 | "
                    "vs 1 x %d | peak RSS |\n|---|---|---|---|---|---|---|---|---|\n",
                    threads);
        const auto dir = input_set(tmp.path(), make_photo(tmp.path(), mp, mp), images);
        std::vector<std::pair<int, int>> configs{{1, 1}};  // (workers, threads)
        if (threads > 1) configs.push_back({1, threads});
        for (int w : workers)
            if (w > 1) configs.push_back({w, threads});
        double one = 0, intra = 0;
        const bt::fs::path report = tmp / "report.json";
        for (auto [w, t] : configs) {
            Run r = portrait_run(dir, {"--workers", std::to_string(w), "--threads", std::to_string(t), "--report",
                                       report.string()});
            try {
                r.batch_s = bt::read_json(report)["run"]["wall_s"].get<double>();
            } catch (const std::exception&) {
                r.batch_s = r.seconds;  // no report: fall back to the process time
            }
            const double ips = images / r.batch_s;
            if (w == 1 && t == 1) one = ips;
            if (w == 1 && t == threads) intra = ips;
            char vs_intra[16] = "-";
            if (intra > 0) std::snprintf(vs_intra, sizeof vs_intra, "%.2fx", ips / intra);
            std::printf("| %d MP | %d | %d x %d | %.2f | %.2f | %.2f | %.2fx | %s | %.0f MiB |%s\n", mp, images, w,
                        std::max(1, t / w), r.seconds, r.batch_s, ips, ips / one, vs_intra, r.rss_mib,
                        r.code ? " (exit != 0)" : "");
            std::fflush(stdout);
        }
        // the report left behind is the last configuration's
        const auto [w, t] = configs.back();
        std::printf("\n%d MP, %d x %d, per image (steps overlap across workers):\n\n%s\n", mp, w, std::max(1, t / w),
                    breakdown(report).c_str());
    }
    std::printf("\n| batch (2 MP, %d workers) | seconds | images/s | peak RSS |\n|---|---|---|---|\n", workers.back());
    for (int n : flat) {
        const auto dir = input_set(tmp.path(), make_photo(tmp.path(), 2, 2), n);
        const Run r = portrait_run(dir, {"--workers", std::to_string(workers.back())});
        std::printf("| %d images | %.1f | %.2f | %.0f MiB |%s\n", n, r.seconds, n / r.seconds, r.rss_mib,
                    r.code ? " (exit != 0)" : "");
        std::fflush(stdout);
    }
    if (big_mp > 0) {
        const auto dir = input_set(tmp.path(), make_photo(tmp.path(), big_mp, 5), 1);
        const Run r = portrait_run(dir, {"--memory-limit", big_limit, "--workers", "1"});
        std::printf("\n| one %.0f MP photo, memory_limit %s | seconds | peak RSS | result |\n|---|---|---|---|\n"
                    "| | %.1f | %.0f MiB | %s |\n",
                    big_mp, big_limit.c_str(), r.seconds, r.rss_mib, r.code == 0 ? "ok" : "failed");
    }
    return 0;
}
