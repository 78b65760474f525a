#include "depthwise_conv_layer.hpp"

#include <algorithm>
#include <mutex>  // std::call_once
#include <vector>

#include <opencv2/core/utility.hpp>

namespace portrait::face {

namespace {

int param_int(const cv::dnn::LayerParams& p, const char* key, int i, int fallback) {
    if (!p.has(key)) return fallback;
    const cv::dnn::DictValue& v = p.get(key);
    return v.size() > i ? v.get<int>(i) : v.get<int>(0);
}

// One output row of a 3x3 filter: the compiler vectorises the single expression per pixel.
// Built twice (AVX2+FMA and baseline) and picked at load time, so the binary stays portable.
__attribute__((target_clones("arch=x86-64-v3", "default"))) void row3x3(float* d, int wo, int sx, const float* r0,
                                                                         const float* r1, const float* r2,
                                                                         const float* w, float b) {
    const float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3], w4 = w[4], w5 = w[5], w6 = w[6], w7 = w[7], w8 = w[8];
    if (sx == 1) {
        for (int i = 0; i < wo; ++i)
            d[i] = b + w0 * r0[i] + w1 * r0[i + 1] + w2 * r0[i + 2] + w3 * r1[i] + w4 * r1[i + 1] + w5 * r1[i + 2] +
                   w6 * r2[i] + w7 * r2[i + 1] + w8 * r2[i + 2];
    } else {
        for (int i = 0; i < wo; ++i) {
            const int j = i * sx;
            d[i] = b + w0 * r0[j] + w1 * r0[j + 1] + w2 * r0[j + 2] + w3 * r1[j] + w4 * r1[j + 1] + w5 * r1[j + 2] +
                   w6 * r2[j] + w7 * r2[j + 1] + w8 * r2[j + 2];
        }
    }
}

// Any other kernel size, tap by tap.
void row_generic(float* d, int wo, int sx, const float* top, int stride_row, int kh, int kw, const float* w, float b) {
    std::fill(d, d + wo, b);
    for (int ky = 0; ky < kh; ++ky)
        for (int kx = 0; kx < kw; ++kx) {
            const float wv = w[ky * kw + kx];
            const float* s = top + ky * stride_row + kx;
            for (int i = 0; i < wo; ++i) d[i] += wv * s[i * sx];
        }
}

class DepthwiseConvLayer : public cv::dnn::Layer {
public:
    explicit DepthwiseConvLayer(const cv::dnn::LayerParams& p) {
        setParamsFrom(p);
        CV_Assert(depthwise_layer_handles(p));
        kh_ = param_int(p, "kernel_size", 0, 1), kw_ = param_int(p, "kernel_size", 1, kh_);
        sy_ = param_int(p, "stride", 0, 1), sx_ = param_int(p, "stride", 1, sy_);
        if (p.has("pad") && p.get("pad").size() == 4) {
            // OpenCV's order: begin (h, w), then end (h, w).
            pt_ = param_int(p, "pad", 0, 0), pl_ = param_int(p, "pad", 1, 0);
            pb_ = param_int(p, "pad", 2, 0), pr_ = param_int(p, "pad", 3, 0);
        } else {
            pt_ = pb_ = param_int(p, "pad", 0, param_int(p, "pad_h", 0, 0));
            pl_ = pr_ = param_int(p, "pad", 1, param_int(p, "pad_w", 0, pt_));
        }
        channels_ = blobs[0].size[0];
        weights_ = blobs[0].reshape(1, 1).clone();
        bias_.assign(size_t(channels_), 0.f);
        if (blobs.size() > 1) std::copy_n(blobs[1].ptr<float>(), channels_, bias_.begin());
    }

    bool getMemoryShapes(const std::vector<cv::dnn::MatShape>& in, int, std::vector<cv::dnn::MatShape>& out,
                         std::vector<cv::dnn::MatShape>&) const override {
        CV_Assert(in.size() == 1 && in[0].size() == 4);
        if (in[0][1] != channels_)
            CV_Error(cv::Error::StsBadSize, "depthwise convolution '" + name + "': input has " +
                                                std::to_string(in[0][1]) + " channels, weights " +
                                                std::to_string(channels_));
        cv::dnn::MatShape s = in[0];
        s[2] = (s[2] + pt_ + pb_ - kh_) / sy_ + 1;
        s[3] = (s[3] + pl_ + pr_ - kw_) / sx_ + 1;
        CV_Assert(s[2] > 0 && s[3] > 0);
        out.assign(1, s);
        return false;
    }

    void forward(cv::InputArrayOfArrays inputs, cv::OutputArrayOfArrays outputs, cv::OutputArrayOfArrays) override {
        std::vector<cv::Mat> in, out;
        inputs.getMatVector(in);
        outputs.getMatVector(out);
        const cv::Mat& x = in[0];
        cv::Mat& y = out[0];
        CV_Assert(x.type() == CV_32F && y.type() == CV_32F && x.isContinuous() && y.isContinuous());
        const int n = x.size[0], h = x.size[2], w = x.size[3], ho = y.size[2], wo = y.size[3];
        const int hp = std::max(h + pt_ + pb_, (ho - 1) * sy_ + kh_), wp = std::max(w + pl_ + pr_, (wo - 1) * sx_ + kw_);
        const float* src = x.ptr<float>();
        float* dst = y.ptr<float>();
        const int planes = n * channels_;
        // Roughly 16k outputs a stripe: parallel when threads are given, without splitting
        // the tiny late layers into pieces smaller than their scheduling cost.
        const double stripes = std::max(1.0, double(planes) * ho * wo / 16384.0);
        cv::parallel_for_(cv::Range(0, planes), [&](const cv::Range& r) {
            std::vector<float> pad(size_t(hp) * wp, 0.f);  // zero border, reused per plane
            for (int pc = r.start; pc < r.end; ++pc) {
                const int c = pc % channels_;
                const float* s = src + size_t(pc) * h * w;
                for (int row = 0; row < h; ++row) std::copy_n(s + size_t(row) * w, w, pad.data() + size_t(row + pt_) * wp + pl_);
                const float* k = weights_.ptr<float>() + size_t(c) * kh_ * kw_;
                float* d = dst + size_t(pc) * ho * wo;
                for (int oy = 0; oy < ho; ++oy) {
                    const float* top = pad.data() + size_t(oy) * sy_ * wp;
                    if (kh_ == 3 && kw_ == 3)
                        row3x3(d + size_t(oy) * wo, wo, sx_, top, top + wp, top + 2 * wp, k, bias_[size_t(c)]);
                    else
                        row_generic(d + size_t(oy) * wo, wo, sx_, top, wp, kh_, kw_, k, bias_[size_t(c)]);
                }
            }
        }, stripes);
    }

private:
    int kh_ = 1, kw_ = 1, sy_ = 1, sx_ = 1, pt_ = 0, pl_ = 0, pb_ = 0, pr_ = 0, channels_ = 0;
    cv::Mat weights_;
    std::vector<float> bias_;
};

}  // namespace

cv::Ptr<cv::dnn::Layer> make_depthwise_layer(cv::dnn::LayerParams& p) { return cv::makePtr<DepthwiseConvLayer>(p); }

bool depthwise_layer_handles(const cv::dnn::LayerParams& p) {
    if (p.blobs.empty() || p.blobs[0].dims != 4 || p.blobs[0].type() != CV_32F) return false;
    const int c = p.blobs[0].size[0];
    if (c < 2 || p.blobs[0].size[1] != 1 || p.get<int>("group", 1) != c || p.get<int>("num_output", c) != c) return false;
    if (p.blobs.size() > 1 && p.blobs[1].total() != size_t(c)) return false;
    // Anything with semantics this layer does not implement stays with OpenCV.
    for (const char* key : {"pad_mode", "adj", "adj_h", "adj_w", "dilation_h", "dilation_w"})
        if (p.has(key)) return false;
    if (param_int(p, "dilation", 0, 1) != 1 || param_int(p, "dilation", 1, 1) != 1) return false;
    if (p.has("kernel_size") && p.get("kernel_size").size() != 2) return false;
    if (p.has("pad") && p.get("pad").size() != 2 && p.get("pad").size() != 4) return false;
    return true;
}

void register_depthwise_layer() {
    static std::once_flag once;
    std::call_once(once, [] { cv::dnn::LayerFactory::registerLayer(kDepthwiseLayerType, make_depthwise_layer); });
}

}  // namespace portrait::face
