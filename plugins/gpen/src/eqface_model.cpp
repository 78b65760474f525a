#include "eqface_model.hpp"

#include <stdexcept>

#include <portrait/torch_support.hpp>
#include <torch/csrc/jit/runtime/graph_executor.h>

#include "torch_models.hpp"

namespace portrait::gpen {

TorchFaceScorer::TorchFaceScorer(const std::filesystem::path& file, const std::string& device)
    : module_(load_inference_module(file, device)), file_(file), device_(portrait::torch_support::device_of(device)) {}

FaceScore TorchFaceScorer::score(const cv::Mat& crop, ChannelOrder network_order) {
    CV_Assert(crop.type() == CV_8UC3 && crop.rows == kGateCrop && crop.cols == kGateCrop);
    torch::InferenceMode guard;
    c10::OptionalStreamGuard stream(torch_support::worker_stream(device_));
    const cv::Mat c = crop.isContinuous() ? crop : crop.clone();
    // The 8-bit crop goes to the device; the float input is made there.
    torch::Tensor x =
        torch::from_blob(c.data, {kGateCrop, kGateCrop, 3}, torch::kUInt8).to(device_).permute({2, 0, 1});
    if (network_order == ChannelOrder::rgb) x = x.flip(0);  // stored BGR
    x = x.to(torch::kFloat32).sub(127.5f).div(128.f).unsqueeze(0).contiguous();
    c10::IValue out;
    try {
        // The saved graph as it is (see PlainGraph in torch_models.cpp).
        torch::jit::GraphOptimizerEnabledGuard plain(false);
        out = module_.forward({x});
    } catch (const c10::Error& e) {
        const std::string w = e.what_without_backtrace();
        throw std::runtime_error("EQFace model " + file_.string() + " failed on a [1,3,112,112] crop (is it a " +
                                 "model converted by models/convert/eqface.py?): " + w.substr(0, w.find('\n')));
    }
    const auto bad = [&](const std::string& why) {
        return std::runtime_error("EQFace model " + file_.string() + ": " + why +
                                  "; expected (feature [1,512], quality [1]) from models/convert/eqface.py");
    };
    if (!out.isTuple() || out.toTuple()->elements().size() != 2) throw bad("forward did not return two tensors");
    const torch::Tensor feature =
        out.toTuple()->elements()[0].toTensor().to(torch::kCPU, torch::kFloat32).contiguous();
    const torch::Tensor quality = out.toTuple()->elements()[1].toTensor().to(torch::kCPU, torch::kFloat64);
    if (feature.dim() != 2 || feature.size(0) != 1 || quality.numel() != 1)
        throw bad("returned shapes " + c10::str(feature.sizes()) + " and " + c10::str(quality.sizes()));
    FaceScore s;
    s.feature.assign(feature.data_ptr<float>(), feature.data_ptr<float>() + feature.numel());
    s.quality = quality.item<double>();
    return s;
}

}  // namespace portrait::gpen
