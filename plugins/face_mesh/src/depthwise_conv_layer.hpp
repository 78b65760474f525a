// Depthwise convolution for OpenCV DNN's CPU backend (used through read_onnx_net).
//
// OpenCV 4.6 runs a depthwise convolution channel by channel with a fixed cost of about
// 1.5 us per channel, so on the small feature maps of BlazeFace and FaceMesh (8x8 to 24x24,
// 48-128 channels) a layer costs 5-10x its arithmetic. This layer pads each channel plane
// once and computes every output row in one pass, which takes the front detector from about
// 2.3 ms to 1.5 ms and a mesh pass from 2.7 ms to 2.2 ms on one core (docs/performance.md).
// Results agree with OpenCV's own convolution to float rounding (tests/plugins/face_mesh).
#pragma once

#include <opencv2/dnn.hpp>

namespace portrait::face {

// Layer type name under which the layer is registered with cv::dnn::LayerFactory (ours, so
// it never shadows a built-in type).
inline constexpr const char* kDepthwiseLayerType = "PortraitDepthwiseConv";

// True when `params` (as OpenCV's importers fill them for a "Convolution" layer) describe a
// convolution this layer computes exactly: one filter per input channel (group == channels,
// weights [C,1,kh,kw]), dilation 1, explicit or no padding.
bool depthwise_layer_handles(const cv::dnn::LayerParams& params);

// Registers kDepthwiseLayerType once per process (thread-safe).
void register_depthwise_layer();

// Builds the layer from Convolution parameters that depthwise_layer_handles() accepted.
cv::Ptr<cv::dnn::Layer> make_depthwise_layer(cv::dnn::LayerParams& params);

}  // namespace portrait::face
