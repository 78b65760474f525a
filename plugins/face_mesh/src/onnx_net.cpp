#include "onnx_net.hpp"

#include <mutex>

#include <opencv2/dnn/all_layers.hpp>

#include "depthwise_conv_layer.hpp"

namespace portrait::face {

namespace {

// Stands in for OpenCV's "Convolution" constructor while an ONNX file is read.
cv::Ptr<cv::dnn::Layer> make_convolution(cv::dnn::LayerParams& p) {
    if (depthwise_layer_handles(p)) {
        p.type = kDepthwiseLayerType;
        return make_depthwise_layer(p);
    }
    return cv::dnn::ConvolutionLayer::create(p);
}

std::mutex& override_mutex() {
    static std::mutex m;
    return m;
}

}  // namespace

cv::dnn::Net read_onnx_net(const std::string& path) {
    register_depthwise_layer();
    // The importer instantiates every layer while it parses, so the stand-in constructor is
    // needed only for this call. OpenCV keeps a stack of constructors per type; the mutex
    // keeps two readers from popping each other's entry.
    std::lock_guard<std::mutex> lock(override_mutex());
    cv::dnn::LayerFactory::registerLayer("Convolution", make_convolution);
    struct Restore {
        ~Restore() { cv::dnn::LayerFactory::unregisterLayer("Convolution"); }
    } restore;
    cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
    // Instantiate anything the importer left for later while the stand-in is in place.
    for (const std::string& name : net.getLayerNames()) net.getLayer(name);
    return net;
}

}  // namespace portrait::face
