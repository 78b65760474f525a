// Glue: Params/Context/Frame <-> FaceAnalyzer.
#include <spdlog/spdlog.h>

#include "face_analyzer.hpp"
#include "mesh_draw.hpp"
#include "stages.hpp"

namespace portrait::face {

StageSpec face_mesh_spec() {
    StageSpec s;
    s.name = "face_mesh";
    s.description = "Find faces (BlazeFace) and fit the 468-point MediaPipe mesh to each";
    s.params = {
        int_param("max_faces", 20, 0, 200, "keep at most this many faces, best detector score first"),
        float_param("min_score", 0.65, 0.05, 1.0, "detector score threshold (MediaPipe uses 0.65 full range, 0.75 short range)"),
        float_param("min_face_size", 20, 0, 10000, "ignore faces whose box is smaller than this (px)"),
        choice_param("detector", "auto", {"auto", "front", "back"},
                     "front: short-range 128 model (close-ups); back: full-range 256 model (groups); auto: both"),
        float_param("min_face_flag", 0.5, 0.0, 1.0, "drop crops the mesh model scores below this"),
        bool_param("refine", true, "second mesh pass on the crop rebuilt from the first pass's landmarks"),
        bool_param("tiles", true, "also search overlapping tiles of images over 1024 px for small faces"),
        bool_param("rotated_passes", true, "if nothing is found upright, retry at 90/270/180/45... degrees"),
        bool_param("draw", false, "draw boxes, keypoints and meshes into the image (preview/debug)"),
    };
    s.provides = {caps::kFaces, caps::kFaceMesh};
    s.concurrent = true;  // each call borrows its own analyzer (see FaceMeshStage::borrow)
    return s;
}

FaceMeshStage::FaceMeshStage(const Params& p, Context& ctx) : draw_(p.get_bool("draw")) {
    AnalyzerOptions o;
    o.max_faces = int(p.get_int("max_faces"));
    o.min_face_size = float(p.get_float("min_face_size"));
    o.min_face_flag = float(p.get_float("min_face_flag"));
    o.refine = p.get_bool("refine");
    o.detector.choice = parse_detector_choice(p.get_string("detector"));
    o.detector.min_score = float(p.get_float("min_score"));
    o.detector.tiles = p.get_bool("tiles");
    o.detector.rotated_passes = p.get_bool("rotated_passes");
    ModelPaths m;
    if (o.detector.choice != DetectorChoice::Back)
        m.front = ctx.find_model("blazeface", "face_detection_front_128x128_barracuda.onnx").string();
    if (o.detector.choice != DetectorChoice::Front)
        m.back = ctx.find_model("blazeface", "face_detection_back_256x256_barracuda.onnx").string();
    m.mesh = ctx.find_model("facemesh", "facemesh.onnx").string();
    models_ = m;
    options_ = o;
    pool_.push_back(std::make_unique<FaceAnalyzer>(m, o));  // load now: bad model files fail here
}

FaceMeshStage::~FaceMeshStage() = default;

std::unique_ptr<FaceAnalyzer> FaceMeshStage::borrow() {
    {
        std::lock_guard<std::mutex> lock(pool_mutex_);
        if (!pool_.empty()) {
            std::unique_ptr<FaceAnalyzer> a = std::move(pool_.back());
            pool_.pop_back();
            return a;
        }
    }
    return std::make_unique<FaceAnalyzer>(models_, options_);
}

void FaceMeshStage::give_back(std::unique_ptr<FaceAnalyzer> a) {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    pool_.push_back(std::move(a));
}

void FaceMeshStage::process(Frame& frame, Context& ctx) {
    // Back into the pool however analyze() ends.
    struct Lease {
        FaceMeshStage& stage;
        std::unique_ptr<FaceAnalyzer> analyzer;
        ~Lease() { stage.give_back(std::move(analyzer)); }
    } lease{*this, borrow()};
    const std::vector<FaceResult> found = lease.analyzer->analyze(frame.image);
    frame.faces.clear();
    for (const FaceResult& r : found) {
        Face f;
        f.box = r.box;
        f.score = r.score;
        f.keypoints.assign(r.keypoints.begin(), r.keypoints.end());
        f.landmarks = r.landmarks;
        f.align5 = r.align5;
        f.has_align5 = true;
        f.mesh_confidence = r.face_flag;
        frame.faces.push_back(std::move(f));
    }
    frame.stats["face_mesh.faces"] = double(found.size());
    if (draw_) draw_faces(frame.image, found);
    ctx.log().debug("{}: {} face(s)", frame.source, found.size());
}

std::size_t FaceMeshStage::memory_estimate(cv::Size working) const {
    // Letterboxed inputs and crops are small; rotated passes copy the image once more.
    return std::size_t(working.area()) * 3 * 2 + (64u << 20);
}

}  // namespace portrait::face
