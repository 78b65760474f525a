#include "abpn_whitening.hpp"

#include <cstring>

#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

namespace portrait::skin {

cv::Size long_side_size(cv::Size s, int long_side) {
    if (s.width >= s.height) {
        const double scale = double(long_side) / s.width;
        return {long_side, int(s.height * scale)};
    }
    const double scale = double(long_side) / s.height;
    return {int(s.width * scale), long_side};
}

void abpn_whiten(cv::Mat& bgr, const cv::Mat& skin800, bool big_kernel, float degree) {
    CV_Assert(bgr.type() == CV_8UC3 && skin800.type() == CV_8U);
    const int k = big_kernel ? 80 : 30;
    const cv::Mat se = cv::getStructuringElement(cv::MORPH_ELLIPSE, {k, k});
    cv::Mat m;
    cv::dilate(skin800, m, se);
    cv::erode(m, m, se);
    cv::blur(m, m, {20, 20});  // uint8 in, uint8 out (rounded), reflect-101 border
    cv::Mat md;
    m.convertTo(md, CV_64F, 1.0 / 255);
    // RGB planes of wmg, in float64 as numpy computes them.
    cv::Mat wr = md * (0.2 * degree) + 0.5;
    cv::Mat wgb = (md * 0.75) * (0.2 * degree) + 0.5;
    cv::Mat planes[] = {wr, wgb, wgb}, wmg, big;
    cv::merge(planes, 3, wmg);
    cv::resize(wmg, big, bgr.size(), 0, 0, cv::INTER_LINEAR);

    c10::InferenceMode guard;
    cv::Mat img = bgr.isContinuous() ? bgr : bgr.clone();
    const int64_t H = img.rows, W = img.cols;
    // HWC, channels R,G,B (the image is BGR: flip it).
    torch::Tensor y = torch::from_blob(img.data, {H, W, 3}, torch::kUInt8).flip(2).to(torch::kFloat32).div(255).to(torch::kHalf);
    torch::Tensor w = torch::from_blob(big.data, {H, W, 3}, torch::kFloat64).to(torch::kHalf);
    torch::Tensor out = ((1 - 2 * w) * (y * y) + 2 * w * y) * 255;
    torch::Tensor u8 = out.to(torch::kUInt8).flip(2).contiguous();
    cv::Mat res(int(H), int(W), CV_8UC3);
    std::memcpy(res.data, u8.data_ptr<uint8_t>(), res.total() * 3);
    res.copyTo(bgr);
}

}  // namespace portrait::skin
