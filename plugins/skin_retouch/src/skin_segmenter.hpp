// The original's skin segmenter through OpenCV DNN: ModelScope's frozen TensorFlow graph
// (tf_graph.pb, input `input_image`, output `output_png`) or the `_torch` sibling's
// model.onnx. Both take the long-side-800 RGB image as float HWC 0..255 without a batch
// and give an HxW mask, 255 = skin. Tried with OpenCV 4.6 on small self-made graphs that
// follow this contract (tests/plugins/skin_retouch/make_segmenter_graphs.py): the ONNX one
// runs as it is with a 3-D input blob; the TF one only after an in-memory rewrite
// (tf_graph_patch.hpp) and fed as an NCHW [1,3,H,W] blob. The real 102 MB graphs are not
// available offline, so whether OpenCV supports all of their ops remains untried: loading
// and running stay guarded, and the stage falls back to the mesh mask.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <opencv2/core.hpp>

namespace portrait::skin {

class SkinSegmenter {
public:
    // Throws std::runtime_error when OpenCV cannot import the file.
    explicit SkinSegmenter(const std::filesystem::path& file);
    ~SkinSegmenter();
    // rgb800: CV_8UC3 RGB at the 800-long-side size. Returns CV_8U at the same size.
    // Throws std::runtime_error when the network fails or answers with another shape.
    cv::Mat segment(const cv::Mat& rgb800);
    const std::string& kind() const { return kind_; }  // "tf_graph" or "onnx"

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::string kind_;
};

}  // namespace portrait::skin
