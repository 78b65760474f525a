// Reading the face models: cv::dnn::readNetFromONNX with our depthwise convolution layer in
// place of OpenCV's for the convolutions it handles (depthwise_conv_layer.hpp says why).
// A 1x1 convolution layer of ours (AVX2, 4 outputs x 16 pixels in registers) was tried too:
// faster alone on FaceMesh's 16-channel 96x96 layers (0.11 against 0.14 ms) but the whole
// mesh pass got slower (2.4-2.6 against 2.2-2.3 ms), so OpenCV keeps those.
#pragma once

#include <string>

#include <opencv2/dnn.hpp>

namespace portrait::face {

// Every other layer is OpenCV's own. Throws cv::Exception as readNetFromONNX does.
cv::dnn::Net read_onnx_net(const std::string& path);

}  // namespace portrait::face
