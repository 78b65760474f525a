// Speed of the skin_retouch stage (docs/performance.md "Skin retouching").
//   bench_skin_retouch [--benchmark_filter=...]
// Threads: 2 (at::set_num_threads / cv::setNumThreads), as the reference numbers.
// The ABPN cases use networks converted from the shared weight recipe (built on first use).
#include <benchmark/benchmark.h>

#include <ATen/Parallel.h>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "abpn_crop.hpp"
#include "portrait/runtime/resources.hpp"
#include "abpn_networks.hpp"
#include "abpn_retouch.hpp"
#include "abpn_whitening.hpp"
#include "builtin_retouch.hpp"
#include "skin_mask.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
namespace sk = portrait::skin;

namespace {

// As the host sets up a run (apps/portrait/cmd_run.cpp): 2 threads, freed memory kept.
void set_threads() {
    at::set_num_threads(2);
    cv::setNumThreads(2);
    portrait::keep_freed_memory_for_reuse();
}

struct Photo {
    cv::Mat image;
    std::vector<portrait::Face> faces;
};

// samples.jpg with faces from the face_mesh stage, else the astronaut with its fixture.
const Photo& photo(bool samples) {
    static Photo ast, smp;
    static bool init = false;
    if (!init) {
        init = true;
        ast.image = skin_test::astronaut();
        if (!ast.image.empty()) ast.faces = skin_test::astronaut_faces();
        if (skin_test::face_mesh_unavailable().empty()) {
            smp.image = skin_test::samples_photo();
            if (!smp.image.empty()) smp.faces = skin_test::run_face_mesh(smp.image);
        }
    }
    return samples ? smp : ast;
}

void BM_Builtin(benchmark::State& state, bool samples) {
    set_threads();
    const Photo& p = photo(samples);
    if (p.image.empty() || p.faces.empty()) {
        state.SkipWithError("photo or faces unavailable");
        return;
    }
    sk::BuiltinOptions opt;
    for (auto _ : state) {
        cv::Mat img = p.image.clone();
        std::vector<sk::FaceSkin> skins;
        for (const auto& f : p.faces) skins.push_back(sk::face_skin(img, f));
        cv::Mat mask = sk::faces_skin_mask(img.size(), skins);
        sk::builtin_retouch(img, skins, opt);
        benchmark::DoNotOptimize(img.data);
    }
    const double mp = p.image.total() / 1e6;
    state.counters["megapixels"] = mp;
    state.counters["faces"] = double(p.faces.size());
    // Seconds per megapixel (printed with an SI prefix: "m" = ms).
    state.counters["s_per_MP"] = benchmark::Counter(mp, benchmark::Counter::kIsIterationInvariantRate |
                                                            benchmark::Counter::kInvert);
}

// Worst case for the builtin backend: a close-up where the face fills the frame. The
// astronaut's face region is enlarged to `side` px square, landmarks with it.
void BM_BuiltinCloseUp(benchmark::State& state) {
    set_threads();
    const Photo& p = photo(false);
    if (p.image.empty() || p.faces.empty()) {
        state.SkipWithError("astronaut or its faces unavailable");
        return;
    }
    const int side = int(state.range(0));
    const cv::Rect src(160, 50, 130, 140);  // the face with some hair and neck
    const double kx = double(side) / src.width, ky = double(side) / src.height;
    cv::Mat img;
    cv::resize(p.image(src), img, {side, side}, 0, 0, cv::INTER_CUBIC);
    portrait::Face f = p.faces[0];
    for (auto& q : f.landmarks) q = {float((q.x - src.x) * kx), float((q.y - src.y) * ky)};
    f.box = {float((f.box.x - src.x) * kx), float((f.box.y - src.y) * ky), float(f.box.width * kx), float(f.box.height * ky)};
    sk::BuiltinOptions opt;
    for (auto _ : state) {
        cv::Mat work = img.clone();
        std::vector<sk::FaceSkin> skins{sk::face_skin(work, f)};
        cv::Mat mask = sk::faces_skin_mask(work.size(), skins);
        sk::builtin_retouch(work, skins, opt);
        benchmark::DoNotOptimize(work.data);
    }
    const double mp = img.total() / 1e6;
    state.counters["megapixels"] = mp;
    state.counters["s_per_MP"] = benchmark::Counter(mp, benchmark::Counter::kIsIterationInvariantRate |
                                                            benchmark::Counter::kInvert);
}
BENCHMARK(BM_BuiltinCloseUp)->Arg(1000)->Arg(2000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Builtin, astronaut_512x512, false)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_Builtin, samples_jpg, true)->Unit(benchmark::kMillisecond)->UseRealTime();

fs::path models() {
    static std::string why;
    static fs::path m = skin_test::recipe_models(&why);
    return m;
}

// Network preparations compared: "original" is the checkpoints' own module layout run as the
// original runs it (no freezing, NCHW, fp32, batch 1); the others use the converter's default
// inference layout (models/convert/nets/skin_inference.py) as the stage does.
enum Variant { kOriginal, kFrozen, kFrozenCl, kFrozenClBf16 };
sk::NetworkOptions variant_options(Variant v) {
    sk::NetworkOptions o;
    o.freeze = v != kOriginal;
    o.channels_last = v == kFrozenCl || v == kFrozenClBf16;
    o.bf16 = v == kFrozenClBf16;
    return o;
}

sk::AbpnNetworks& networks(Variant v) {
    static std::map<int, std::unique_ptr<sk::AbpnNetworks>> cache;
    auto& n = cache[int(v)];
    if (!n) {
        const fs::path d =
            (v == kOriginal ? models().parent_path() / "models-original" : models()) / "skin-retouching";
        n = std::make_unique<sk::AbpnNetworks>(
            sk::AbpnModelFiles{d / "detection_net.pt", d / "inpainting_net.pt", d / "generator.pt"}, variant_options(v));
    }
    return *n;
}

// One network alone, batch 1 (the original's way) or a batch of tiles.
void BM_Network(benchmark::State& state, int which, Variant v) {
    set_threads();
    if (models().empty()) {
        state.SkipWithError("recipe model unavailable");
        return;
    }
    sk::AbpnNetworks& n = networks(v);
    c10::InferenceMode guard;
    const int64_t batch = state.range(0), size = state.range(1);
    torch::Tensor x = torch::rand({batch, 3, size, size}) * 2 - 1;
    torch::Tensor k = (torch::rand({batch, 1, size, size}) > 0.1).to(torch::kFloat32);
    auto run = [&] {
        if (which == 0) return n.detect(x);
        if (which == 1) return n.inpaint(x * k, k);
        return n.generate(x);
    };
    for (int i = 0; i < 2; ++i) run();  // the profiling executor specialises on the first calls
    for (auto _ : state) benchmark::DoNotOptimize(run().data_ptr());
    state.counters["per_item_s"] = benchmark::Counter(double(batch), benchmark::Counter::kIsIterationInvariantRate |
                                                                          benchmark::Counter::kInvert);
}
#define NET_BENCH(name, which, variant, ...) \
    BENCHMARK_CAPTURE(BM_Network, name, which, variant)->Args(__VA_ARGS__)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(3)
NET_BENCH(detection_original, 0, kOriginal, {1, 768});
NET_BENCH(detection_frozen_cl, 0, kFrozenCl, {1, 768});
NET_BENCH(detection_frozen_cl_bf16, 0, kFrozenClBf16, {1, 768});
NET_BENCH(inpainting_original, 1, kOriginal, {1, 512});
NET_BENCH(inpainting_original, 1, kOriginal, {1, 576});
NET_BENCH(inpainting_frozen_cl, 1, kFrozenCl, {1, 576});
NET_BENCH(inpainting_frozen_cl_bf16, 1, kFrozenClBf16, {1, 576});
NET_BENCH(inpainting_frozen_cl_bf16, 1, kFrozenClBf16, {4, 576});
NET_BENCH(generator_original, 2, kOriginal, {1, 512});
NET_BENCH(generator_frozen, 2, kFrozen, {1, 512});
NET_BENCH(generator_frozen_cl, 2, kFrozenCl, {1, 512});
NET_BENCH(generator_frozen_cl_bf16, 2, kFrozenClBf16, {1, 512});

// The whole per-face ABPN step (4a + 4b) on a face crop of the given side, as the stage runs it.
void BM_AbpnFace(benchmark::State& state, Variant v, bool skip) {
    set_threads();
    if (models().empty()) {
        state.SkipWithError("recipe model unavailable");
        return;
    }
    const Photo& p = photo(false);
    if (p.image.empty()) {
        state.SkipWithError("astronaut.png unavailable");
        return;
    }
    const int side = int(state.range(0));
    cv::Mat img;
    cv::resize(p.image, img, {side, side});
    sk::AbpnOptions o;
    o.skip_clean_tiles = skip;
    sk::AbpnNetworks& n = networks(v);
    cv::Mat out = img.clone();
    sk::abpn_retouch_face(n, img, out, {0, 0, side, side}, o);  // warm-up
    sk::AbpnFaceStats st;
    for (auto _ : state) st = sk::abpn_retouch_face(n, img, out, {0, 0, side, side}, o);
    state.counters["tiles"] = st.tiles;
    state.counters["tiles_run"] = st.tiles_run;
    state.counters["detect_ms"] = st.detect_ms;
    state.counters["inpaint_ms"] = st.inpaint_ms;
    state.counters["generate_ms"] = st.generate_ms;
    state.counters["other_ms"] = st.total_ms - st.detect_ms - st.inpaint_ms - st.generate_ms;
}
BENCHMARK_CAPTURE(BM_AbpnFace, stage_fp32, kFrozenCl, true)->Arg(400)->Arg(900)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);
BENCHMARK_CAPTURE(BM_AbpnFace, stage_bf16, kFrozenClBf16, true)->Arg(400)->Arg(900)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(2);

}  // namespace

BENCHMARK_MAIN();
