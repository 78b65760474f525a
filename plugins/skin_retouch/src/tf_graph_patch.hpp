// In-memory rewrite of the skin segmenter's frozen TensorFlow graph so that OpenCV 4.6's
// TF importer can run it. Found by running OpenCV 4.6 on self-made graphs that follow the
// contract (input_image [H,W,3] float -> ... -> output_png [H,W] uint8; see
// tests/plugins/skin_retouch/make_segmenter_graphs.py):
//  * ExpandDims of the 3-D input is refused at import whatever the placeholder's shape
//    (unknown: "!netInputShapes.empty()"; known: an assertion, or a crash when ops sit
//    between the placeholder and the ExpandDims). Turned into Identity; the caller then
//    feeds the batch of one itself, as OpenCV's NCHW blob [1,3,H,W].
//  * Cast has no OpenCV layer ("Can't create layer ... of type Cast"). The Cast that makes
//    the output uint8 is turned into Identity; the caller converts the float answer.
//  * Squeeze without squeeze_dims (tf.squeeze(x)) crashes the importer (segfault): such a
//    graph is refused here instead.
// The protobuf is walked at the wire level (no TensorFlow or protobuf classes needed);
// every other byte is kept as it is.
#pragma once

#include <string>

namespace portrait::skin {

struct TfGraphPatch {
    std::string graph;      // the rewritten GraphDef
    int expand_dims = 0;    // ExpandDims nodes on the input turned into Identity
    int casts = 0;          // Cast nodes producing the output turned into Identity
};

// Throws std::runtime_error on a malformed GraphDef or a graph OpenCV 4.6 would crash on.
TfGraphPatch patch_tf_graph(const std::string& graphdef, const std::string& input_node,
                            const std::string& output_node);

}  // namespace portrait::skin
