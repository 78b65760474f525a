#include "skin_segmenter.hpp"

#include <fstream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "tf_graph_patch.hpp"

namespace portrait::skin {
namespace {

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string shape_text(const cv::Mat& m) {
    std::ostringstream s;
    s << '[';
    for (int i = 0; i < m.dims; ++i) s << (i ? "," : "") << m.size[i];
    s << ']';
    return s.str();
}

// The last channel of the answer as an HxW float plane, or an empty Mat when the shape
// does not fit. Accepted: [H,W], [H,W,C], [1,H,W], [1,H,W,C] and OpenCV's NCHW [1,C,H,W]
// (how its TF importer hands back a 4-D NHWC tensor).
cv::Mat last_channel(const cv::Mat& out, int rows, int cols) {
    std::vector<int> s(out.size.p, out.size.p + out.dims);
    cv::Mat flat;
    cv::Mat(1, int(out.total() * out.channels()), out.depth(), out.data).convertTo(flat, CV_32F);
    const float* p = flat.ptr<float>();
    if (s.size() == 4 && s[0] == 1 && s[2] == rows && s[3] == cols) {  // NCHW
        cv::Mat plane(rows, cols, CV_32F, const_cast<float*>(p) + std::size_t(s[1] - 1) * rows * cols);
        return plane.clone();
    }
    if (s.size() >= 3 && s[0] == 1) s.erase(s.begin());
    if (s.size() < 2 || s.size() > 3 || s[0] != rows || s[1] != cols) return {};
    const int c = s.size() == 3 ? s[2] : 1;
    cv::Mat plane(rows, cols, CV_32F);
    for (int y = 0; y < rows; ++y)
        for (int x = 0; x < cols; ++x) plane.at<float>(y, x) = p[(std::size_t(y) * cols + x) * c + (c - 1)];
    return plane;
}

}  // namespace

struct SkinSegmenter::Impl {
    cv::dnn::Net net;
    std::mutex lock;  // cv::dnn::Net is not safe to run from two threads
};

SkinSegmenter::SkinSegmenter(const std::filesystem::path& file) : impl_(std::make_unique<Impl>()) {
    const bool onnx = file.extension() == ".onnx";
    kind_ = onnx ? "onnx" : "tf_graph";
    try {
        if (onnx) {
            impl_->net = cv::dnn::readNetFromONNX(file.string());
        } else {
            // OpenCV 4.6 cannot import the graph as it is (tf_graph_patch.hpp).
            const TfGraphPatch g = patch_tf_graph(read_file(file), "input_image", "output_png");
            impl_->net = cv::dnn::readNetFromTensorflow(g.graph.data(), g.graph.size());
        }
    } catch (const cv::Exception& e) {
        throw std::runtime_error("OpenCV DNN cannot import " + file.string() + ": " + e.msg);
    } catch (const std::runtime_error& e) {
        throw std::runtime_error("cannot use " + file.string() + " as the skin segmenter: " + e.what());
    }
    if (impl_->net.empty()) throw std::runtime_error("OpenCV DNN read an empty network from " + file.string());
    impl_->net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
}

SkinSegmenter::~SkinSegmenter() = default;

cv::Mat SkinSegmenter::segment(const cv::Mat& rgb800) {
    CV_Assert(rgb800.type() == CV_8UC3);
    cv::Mat f;
    rgb800.convertTo(f, CV_32F);
    cv::Mat blob;
    if (kind_ == "onnx") {
        // The ONNX graph takes the HWC image without a batch dimension: a 3-D blob.
        const int dims[] = {f.rows, f.cols, 3};
        blob = cv::Mat(3, dims, CV_32F, f.data);
    } else {
        // The patched TF graph gets the batch of one its ExpandDims made, in OpenCV's
        // NCHW layout (its TF importer works in NCHW); still RGB 0..255.
        blob = cv::dnn::blobFromImage(f);
    }
    cv::Mat out;
    try {
        std::lock_guard<std::mutex> g(impl_->lock);
        impl_->net.setInput(blob);
        out = impl_->net.forward().clone();
    } catch (const cv::Exception& e) {
        throw std::runtime_error("skin segmenter (" + kind_ + ") failed in OpenCV DNN: " + e.msg);
    }
    const cv::Mat plane = last_channel(out, rgb800.rows, rgb800.cols);
    if (plane.empty())
        throw std::runtime_error("skin segmenter (" + kind_ + ") answered with shape " + shape_text(out) + " for a " +
                                 std::to_string(rgb800.rows) + "x" + std::to_string(rgb800.cols) +
                                 " image (expected [H,W] or [H,W,C])");
    cv::Mat u8;
    plane.convertTo(u8, CV_8U);  // rounds and saturates to 0..255
    return u8;
}

}  // namespace portrait::skin
