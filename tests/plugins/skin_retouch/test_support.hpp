// Shared helpers for the skin_retouch tests and benchmark: test photos, stages from the
// built plugins through portrait's stage harness, faces from the real face_mesh stage
// (or the stored landmark fixture), and the synthetic-weight ABPN model.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "portrait/sdk.hpp"
#include "portrait/testing.hpp"

namespace skin_test {

cv::Mat astronaut();      // empty if python3-skimage is not installed
cv::Mat samples_photo();  // human's samples.jpg from the cache; empty if absent

// The stage `stage` of the built plugin `plugin` (portrait_<plugin>.so) through the stage
// harness, with `params` (a YAML mapping) and the model folders `model_dirs`, 2 threads.
// Throws std::runtime_error with the stage's own message when it cannot start.
std::unique_ptr<portrait::testing::StageHarness> plugin_stage(const std::string& plugin, const std::string& stage,
                                                              const std::string& params = "{}",
                                                              std::vector<std::filesystem::path> model_dirs = {});

std::filesystem::path plugin_file(const std::string& plugin);  // in the build tree
// Why the face_mesh stage cannot run here (empty when it can).
std::string face_mesh_unavailable();
// Faces and 468-point meshes of `image` from the face_mesh stage.
std::vector<portrait::Face> run_face_mesh(const cv::Mat& image);
// Faces of the astronaut from the stored fixture (landmarks found once by face_mesh),
// so the builtin tests run without the face models.
std::vector<portrait::Face> astronaut_faces();
void write_faces(const std::filesystem::path& file, const std::vector<portrait::Face>& faces);
std::vector<portrait::Face> read_faces(const std::filesystem::path& file);

// Folder holding skin-retouching/{generator,detection_net,inpainting_net}.pt converted
// from the shared weight recipe (built once into the build tree). Empty + reason if impossible.
// Its sibling "models-original" holds the same weights converted with --layout original.
std::filesystem::path recipe_models(std::string* why_not);

// Folder holding the self-made skin segmenters of make_segmenter_graphs.py (tf_graph.pb,
// model.onnx and variants, each with a .sha256), built once into the build tree.
// Empty + reason when /usr/bin/python3 with torch is missing.
std::filesystem::path segmenter_graphs(std::string* why_not);

}  // namespace skin_test
