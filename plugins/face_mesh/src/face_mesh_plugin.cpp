// Plugin entry: registers face_mesh and face_slim.
#include "stages.hpp"

PORTRAIT_PLUGIN("face_mesh", "1.0.0", "MIT",
                "Face detection (BlazeFace), 468-point mesh (MediaPipe FaceMesh) and face slimming") {
    registrar.add<portrait::face::FaceMeshStage>(portrait::face::face_mesh_spec());
    registrar.add<portrait::face::FaceSlimStage>(portrait::face::face_slim_spec());
}
