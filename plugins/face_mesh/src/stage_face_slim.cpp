// Glue: Frame faces -> slimming field -> image + backward map for the host.
#include <spdlog/spdlog.h>

#include "face_landmarks.hpp"
#include "face_slim.hpp"
#include "stages.hpp"

namespace portrait::face {

StageSpec face_slim_spec() {
    StageSpec s;
    s.name = "face_slim";
    s.description = "Slim faces along the jaw and cheeks with a smooth mesh-driven warp";
    s.params = {
        float_param("strength", 0.5, 0.0, 1.0, "0 leaves the image untouched; 0.5 narrows the lower face about 5%, 1 about 8% (docs/stages/face_slim.md)"),
        float_param("jaw", 1.0, 0.0, 2.0, "weight of the jaw angle to chin region"),
        float_param("cheeks", 1.0, 0.0, 2.0, "weight of the temples to lower cheek region"),
        bool_param("yaw_gate", true, "weaken the warp on the hidden side of turned faces"),
    };
    s.needs = {caps::kFaces, caps::kFaceMesh};
    return s;
}

FaceSlimStage::FaceSlimStage(const Params& p, Context&)
    : strength_(float(p.get_float("strength"))),
      jaw_(float(p.get_float("jaw"))),
      cheeks_(float(p.get_float("cheeks"))),
      yaw_gate_(p.get_bool("yaw_gate")) {}

void FaceSlimStage::process(Frame& frame, Context& ctx) {
    if (strength_ <= 0.f) return;  // bit-identical by contract
    std::vector<std::vector<cv::Point2f>> meshes;
    for (const Face& f : frame.faces)
        if (f.landmarks.size() == std::size_t(kMeshPoints)) meshes.push_back(f.landmarks);
    if (meshes.empty()) return;
    SlimOptions o;
    o.strength = strength_;
    o.jaw = jaw_;
    o.cheeks = cheeks_;
    o.yaw_gate = yaw_gate_;
    const SlimField field = slim_field(frame.image.size(), meshes, o);
    if (field.rect.empty()) return;
    frame.image = apply_slim(frame.image, field);
    frame.warp = slim_map(frame.image.size(), field);  // lets the host redo it at full resolution
    if (field.strength < strength_)
        ctx.log().info("{}: slimming reduced to {:.2f} to keep the warp fold-free", frame.source, field.strength);
}

std::size_t FaceSlimStage::memory_estimate(cv::Size working) const {
    // Output image, full backward map (2 floats) and the field over the face region.
    return std::size_t(working.area()) * (3 + 8 + 8 + 8);
}

}  // namespace portrait::face
