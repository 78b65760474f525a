// Our depthwise convolution layer against OpenCV's own convolution: synthetic layers over
// kernel sizes, strides, asymmetric padding, bias, batches and threads, and the real
// BlazeFace and FaceMesh networks read both ways (read_onnx_net against readNetFromONNX).
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgproc.hpp>

#include "depthwise_conv_layer.hpp"
#include "onnx_net.hpp"
#include "face_analyzer.hpp"
#include "test_images.hpp"

using namespace portrait::face;

namespace {

struct Case {
    int channels, height, width, kernel, stride, pt, pl, pb, pr, batch;
    bool bias;
};

cv::dnn::LayerParams conv_params(const Case& c, int pad_t, int pad_l, int pad_b, int pad_r) {
    cv::dnn::LayerParams p;
    p.name = "dw";
    p.type = "Convolution";
    const int ks[] = {c.kernel, c.kernel}, st[] = {c.stride, c.stride}, pads[] = {pad_t, pad_l, pad_b, pad_r};
    p.set("kernel_size", cv::dnn::DictValue::arrayInt(ks, 2));
    p.set("stride", cv::dnn::DictValue::arrayInt(st, 2));
    p.set("pad", cv::dnn::DictValue::arrayInt(pads, 4));
    p.set("group", c.channels);
    p.set("num_output", c.channels);
    p.set("bias_term", c.bias);
    const int wshape[] = {c.channels, 1, c.kernel, c.kernel};
    cv::Mat w(4, wshape, CV_32F);
    cv::randu(w, -1, 1);
    p.blobs.push_back(w);
    if (c.bias) {
        cv::Mat b(c.channels, 1, CV_32F);
        cv::randu(b, -1, 1);
        p.blobs.push_back(b);
    }
    return p;
}

cv::Mat run_one(const std::string& type, cv::dnn::LayerParams p, const cv::Mat& input) {
    cv::dnn::Net net;
    p.type = type;
    net.addLayerToPrev(p.name, type, p);
    net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net.setInput(input);
    return net.forward().clone();
}

// OpenCV's reference: its own convolution, no padding, on an input we zero-padded by hand
// (so asymmetric padding is checked without relying on how OpenCV handles it).
cv::Mat reference(const Case& c, const cv::dnn::LayerParams& p, const cv::Mat& input) {
    const int padded[] = {c.batch, c.channels, c.height + c.pt + c.pb, c.width + c.pl + c.pr};
    cv::Mat big(4, padded, CV_32F, cv::Scalar(0));
    for (int n = 0; n < c.batch; ++n)
        for (int ch = 0; ch < c.channels; ++ch) {
            cv::Mat src(c.height, c.width, CV_32F, const_cast<float*>(input.ptr<float>(n, ch)));
            cv::Mat dst(padded[2], padded[3], CV_32F, big.ptr<float>(n, ch));
            src.copyTo(dst(cv::Rect(c.pl, c.pt, c.width, c.height)));
        }
    cv::dnn::LayerParams q = p;
    const int zero[] = {0, 0, 0, 0};
    q.set("pad", cv::dnn::DictValue::arrayInt(zero, 4));
    return run_one("Convolution", q, big);
}

class DepthwiseLayer : public ::testing::TestWithParam<Case> {};

TEST_P(DepthwiseLayer, MatchesOpenCvConvolution) {
    register_depthwise_layer();
    const Case c = GetParam();
    cv::theRNG().state = 7;
    const cv::dnn::LayerParams p = conv_params(c, c.pt, c.pl, c.pb, c.pr);
    ASSERT_TRUE(depthwise_layer_handles(p));
    const int shape[] = {c.batch, c.channels, c.height, c.width};
    cv::Mat input(4, shape, CV_32F);
    cv::randu(input, -1, 1);
    const cv::Mat want = reference(c, p, input);
    for (int threads : {1, 2}) {
        cv::setNumThreads(threads);
        const cv::Mat got = run_one(kDepthwiseLayerType, p, input);
        ASSERT_EQ(got.dims, 4);
        for (int d = 0; d < 4; ++d) ASSERT_EQ(got.size[d], want.size[d]) << "dimension " << d;
        EXPECT_LE(cv::norm(got, want, cv::NORM_INF), 1e-5) << threads << " thread(s)";
    }
    cv::setNumThreads(1);
}

INSTANTIATE_TEST_SUITE_P(Shapes, DepthwiseLayer,
                         ::testing::Values(Case{80, 16, 16, 3, 1, 1, 1, 1, 1, 1, false},  // BlazeFace late layers
                                           Case{16, 96, 96, 3, 1, 1, 1, 1, 1, 1, true},   // FaceMesh first block
                                           Case{28, 64, 64, 3, 2, 0, 0, 1, 1, 1, false},  // TF SAME, stride 2
                                           Case{7, 13, 11, 3, 2, 1, 0, 2, 1, 2, true},    // odd sizes, batch 2
                                           Case{5, 9, 12, 5, 1, 2, 2, 2, 2, 1, true},     // 5x5 (generic path)
                                           Case{3, 10, 10, 5, 2, 1, 1, 2, 2, 3, false},
                                           Case{4, 6, 6, 3, 1, 0, 0, 0, 0, 1, true}));    // no padding

TEST(DepthwiseLayer, LeavesOtherConvolutionsToOpenCv) {
    Case c{8, 8, 8, 3, 1, 1, 1, 1, 1, 1, true};
    cv::dnn::LayerParams p = conv_params(c, 1, 1, 1, 1);
    EXPECT_TRUE(depthwise_layer_handles(p));
    p.set("dilation", 2);
    EXPECT_FALSE(depthwise_layer_handles(p)) << "dilated";
    p = conv_params(c, 1, 1, 1, 1);
    p.set("pad_mode", "SAME");
    EXPECT_FALSE(depthwise_layer_handles(p)) << "pad_mode";
    p = conv_params(c, 1, 1, 1, 1);
    p.set("group", 4);  // grouped, two channels a group
    EXPECT_FALSE(depthwise_layer_handles(p)) << "grouped";
    p = conv_params(c, 1, 1, 1, 1);
    p.set("group", 1);
    const int wshape[] = {8, 8, 3, 3};
    p.blobs[0] = cv::Mat(4, wshape, CV_32F, cv::Scalar(0));
    EXPECT_FALSE(depthwise_layer_handles(p)) << "dense";
}

// The real networks, read with and without the layer, on a real face crop and letterbox.
void compare_nets(const std::string& path, const cv::Mat& nhwc, const std::vector<std::string>& outs, double tol) {
    cv::setNumThreads(1);
    cv::dnn::Net plain = cv::dnn::readNetFromONNX(path), ours = read_onnx_net(path);
    int depthwise = 0;
    for (const std::string& name : ours.getLayerNames()) depthwise += ours.getLayer(name)->type == kDepthwiseLayerType;
    EXPECT_GE(depthwise, 10) << path << ": depthwise layers were not replaced";
    for (const std::string& name : plain.getLayerNames())
        EXPECT_NE(plain.getLayer(name)->type, kDepthwiseLayerType) << "the override leaked out of read_onnx_net";
    std::vector<cv::Mat> a, b;
    plain.setInput(nhwc), plain.forward(a, outs);
    ours.setInput(nhwc), ours.forward(b, outs);
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i)
        EXPECT_LE(cv::norm(a[i].reshape(1, 1), b[i].reshape(1, 1), cv::NORM_INF), tol) << path << " output " << outs[i];
}

cv::Mat nhwc_input(const cv::Mat& bgr, int size, double scale, double shift) {
    cv::Mat rgb, f;
    cv::resize(bgr, rgb, {size, size}, 0, 0, cv::INTER_AREA);
    cv::cvtColor(rgb, rgb, cv::COLOR_BGR2RGB);
    rgb.convertTo(f, CV_32F, scale, shift);
    const int dims[] = {1, size, size, 3};
    return cv::Mat(4, dims, CV_32F, f.data).clone();
}

TEST(DepthwiseLayer, RealNetworksAgreeWithOpenCv) {
    if (const std::string why = portrait::face::testing::missing_models_message(); !why.empty()) GTEST_SKIP() << why;
    const cv::Mat img = portrait::face::testing::astronaut();
    if (img.empty()) GTEST_SKIP() << "astronaut.png not found";
    const ModelPaths m = portrait::face::testing::cached_models();
    const cv::Mat face = img(cv::Rect(150, 40, 150, 150));
    compare_nets(m.mesh, nhwc_input(face, 192, 1 / 255.0, 0), {"output_mesh", "output_faceflag"}, 1e-3);
    compare_nets(m.front, nhwc_input(img, 128, 1 / 127.5, -1), {"Identity:0", "Identity_2:0"}, 1e-3);
    compare_nets(m.back, nhwc_input(img, 256, 1 / 127.5, -1), {"Identity:0", "Identity_2:0"}, 1e-3);
}

}  // namespace
