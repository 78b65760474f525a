// Face timings on one thread: detection alone, mesh pass alone, detection + mesh per face,
// slimming per megapixel. Run: build/tests/plugins/face_mesh/bench_face_mesh
#include <benchmark/benchmark.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "face_analyzer.hpp"
#include "face_slim.hpp"
#include "test_images.hpp"

using namespace portrait::face;
namespace pt = portrait::face::testing;

namespace {

bool ready(benchmark::State& st) {
    cv::setNumThreads(1);
    const std::string why = pt::missing_models_message();
    if (!why.empty()) st.SkipWithError(why.c_str());
    else if (pt::astronaut().empty()) st.SkipWithError("astronaut.png not found");
    else return true;
    return false;
}

AnalyzerOptions options(DetectorChoice c, bool refine) {
    AnalyzerOptions o;
    o.detector.choice = c;
    o.refine = refine;
    return o;
}

// Whole analyze() on the 512x512 astronaut (one face): detection + mesh (+ refinement).
void BM_DetectAndMesh(benchmark::State& st) {
    if (!ready(st)) return;
    const auto choice = DetectorChoice(st.range(0));
    FaceAnalyzer a(portrait::face::testing::cached_models(), options(choice, st.range(1) != 0));
    const cv::Mat img = pt::astronaut();
    a.analyze(img);  // first run allocates the networks' buffers
    for (auto _ : st) benchmark::DoNotOptimize(a.analyze(img));
    st.SetLabel(std::string(choice == DetectorChoice::Auto ? "auto" : choice == DetectorChoice::Front ? "front" : "back") +
                (st.range(1) ? " +refine" : " one pass"));
}
BENCHMARK(BM_DetectAndMesh)
    ->Args({int(DetectorChoice::Front), 0})
    ->Args({int(DetectorChoice::Front), 1})
    ->Args({int(DetectorChoice::Back), 1})
    ->Args({int(DetectorChoice::Auto), 1})
    ->Unit(benchmark::kMillisecond);

void BM_DetectOnly(benchmark::State& st) {
    if (!ready(st)) return;
    const auto choice = DetectorChoice(st.range(0));
    const ModelPaths m = portrait::face::testing::cached_models();
    DetectorOptions o;
    o.choice = choice;
    FaceDetector d(m.front, m.back, o);
    const cv::Mat img = pt::astronaut();
    d.detect(img);
    for (auto _ : st) benchmark::DoNotOptimize(d.detect(img));
    st.SetLabel(choice == DetectorChoice::Front ? "front 128" : "back 256");
}
BENCHMARK(BM_DetectOnly)->Arg(int(DetectorChoice::Front))->Arg(int(DetectorChoice::Back))->Unit(benchmark::kMillisecond);

void BM_MeshPass(benchmark::State& st) {
    if (!ready(st)) return;
    FaceMeshModel mesh(portrait::face::testing::cached_models().mesh);
    const cv::Mat img = pt::astronaut();
    RotatedSquare roi;
    roi.center = {225, 120};
    roi.side = 150;
    mesh.run(img, roi);
    for (auto _ : st) benchmark::DoNotOptimize(mesh.run(img, roi));
}
BENCHMARK(BM_MeshPass)->Unit(benchmark::kMillisecond);

// Detector then one mesh pass on a fixed crop, no analyzer: separates the models' cost when
// run back to back (cache traffic between two networks) from the analyzer's own work.
void BM_DetectThenMeshRaw(benchmark::State& st) {
    if (!ready(st)) return;
    const ModelPaths m = portrait::face::testing::cached_models();
    DetectorOptions o;
    o.choice = DetectorChoice::Front;
    FaceDetector d(m.front, m.back, o);
    FaceMeshModel mesh(m.mesh);
    const cv::Mat img = pt::astronaut();
    RotatedSquare roi;
    roi.center = {225, 120};
    roi.side = 150;
    d.detect(img), mesh.run(img, roi);
    for (auto _ : st) {
        benchmark::DoNotOptimize(d.detect(img));
        benchmark::DoNotOptimize(mesh.run(img, roi));
    }
}
BENCHMARK(BM_DetectThenMeshRaw)->Unit(benchmark::kMillisecond);

// A 1920x1080 group with 11 small faces: whole-image cost (tiles on), reported per face.
void BM_GroupPerFace(benchmark::State& st) {
    if (!ready(st)) return;
    std::vector<pt::PlacedFace> placed;
    const cv::Mat img = pt::synthetic_group(&placed);
    FaceAnalyzer a(portrait::face::testing::cached_models(), options(DetectorChoice::Auto, true));
    std::size_t n = a.analyze(img).size();
    for (auto _ : st) benchmark::DoNotOptimize(a.analyze(img));
    st.counters["faces"] = double(n);
    // Seconds per face (shown with an SI prefix: 21m = 21 ms).
    st.counters["per_face"] =
        benchmark::Counter(double(n), benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_GroupPerFace)->Unit(benchmark::kMillisecond);

// Slimming as the face_slim stage does it (field, remap, full backward map for the host) on
// the astronaut scaled to range(0)/10 megapixels (the face stays ~18% of the width).
void BM_SlimPerMegapixel(benchmark::State& st) {
    if (!ready(st)) return;
    FaceAnalyzer a(portrait::face::testing::cached_models(), AnalyzerOptions{});
    const double mp = st.range(0) / 10.0;
    cv::Mat img;
    const double s = std::sqrt(mp * 1e6 / (512.0 * 512.0));
    cv::resize(pt::astronaut(), img, {}, s, s, cv::INTER_CUBIC);
    std::vector<std::vector<cv::Point2f>> meshes;
    for (const auto& f : a.analyze(img)) meshes.push_back(f.landmarks);
    if (meshes.empty()) return st.SkipWithError("no face found");
    SlimOptions o;
    for (auto _ : st) {
        const SlimField f = slim_field(img.size(), meshes, o);
        benchmark::DoNotOptimize(apply_slim(img, f));
        benchmark::DoNotOptimize(slim_map(img.size(), f));
    }
    st.counters["megapixels"] = double(img.total()) / 1e6;
    // Seconds per megapixel (SI prefix: 8m = 8 ms).
    st.counters["per_MP"] = benchmark::Counter(double(img.total()) / 1e6, benchmark::Counter::kIsIterationInvariantRate |
                                                                            benchmark::Counter::kInvert);
}
BENCHMARK(BM_SlimPerMegapixel)->Arg(3)->Arg(10)->Arg(40)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
