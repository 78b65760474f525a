#include "skin_segmenter.hpp"

#include <mutex>
#include <stdexcept>

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

namespace portrait::skin {

struct SkinSegmenter::Impl {
    cv::dnn::Net net;
    std::mutex lock;  // cv::dnn::Net is not safe to run from two threads
};

SkinSegmenter::SkinSegmenter(const std::filesystem::path& file) : impl_(std::make_unique<Impl>()) {
    const bool onnx = file.extension() == ".onnx";
    kind_ = onnx ? "onnx" : "tf_graph";
    try {
        impl_->net = onnx ? cv::dnn::readNetFromONNX(file.string()) : cv::dnn::readNetFromTensorflow(file.string());
    } catch (const cv::Exception& e) {
        throw std::runtime_error("OpenCV DNN cannot import " + file.string() + ": " + e.msg);
    }
    if (impl_->net.empty()) throw std::runtime_error("OpenCV DNN read an empty network from " + file.string());
    impl_->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
}

SkinSegmenter::~SkinSegmenter() = default;

cv::Mat SkinSegmenter::segment(const cv::Mat& rgb800) {
    CV_Assert(rgb800.type() == CV_8UC3);
    cv::Mat f;
    rgb800.convertTo(f, CV_32F);
    // The graphs take an HWC image without a batch dimension: hand it over as a 3-D blob.
    const int dims[] = {f.rows, f.cols, 3};
    cv::Mat blob(3, dims, CV_32F, f.data);
    cv::Mat out;
    try {
        std::lock_guard<std::mutex> g(impl_->lock);
        impl_->net.setInput(blob);
        out = impl_->net.forward().clone();
    } catch (const cv::Exception& e) {
        throw std::runtime_error("skin segmenter (" + kind_ + ") failed in OpenCV DNN: " + e.msg);
    }
    // Accept [H,W], [H,W,C] (take the last channel, as the original) or [1,H,W,(C)].
    std::vector<int> shape(out.size.p, out.size.p + out.dims);
    while (!shape.empty() && shape.front() == 1 && shape.size() > 2) shape.erase(shape.begin());
    if (shape.size() < 2 || shape[0] != rgb800.rows || shape[1] != rgb800.cols)
        throw std::runtime_error("skin segmenter (" + kind_ + ") answered with an unexpected shape");
    const int c = shape.size() >= 3 ? shape[2] : 1;
    cv::Mat flat(rgb800.rows, rgb800.cols * c, out.type(), out.data);
    cv::Mat plane(rgb800.rows, rgb800.cols, CV_32F);
    cv::Mat flat32;
    flat.convertTo(flat32, CV_32F);
    for (int y = 0; y < plane.rows; ++y)
        for (int x = 0; x < plane.cols; ++x) plane.at<float>(y, x) = flat32.at<float>(y, x * c + (c - 1));
    cv::Mat u8;
    plane.convertTo(u8, CV_8U);
    return u8;
}

}  // namespace portrait::skin
