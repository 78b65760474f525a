#include "abpn_networks.hpp"

#include <fstream>
#include <stdexcept>
#include <string>

#include <torch/cuda.h>

#include "portrait/torch_support.hpp"

namespace portrait::skin {

AbpnNetworks::Net AbpnNetworks::prepare(const std::filesystem::path& file, const NetworkOptions& opt) {
    Net n;
    // The host never hands out a CUDA device it cannot use; other callers get this line.
    if (torch_support::device_of(opt.device).is_cuda() && !torch::cuda::is_available())
        throw std::runtime_error("model " + file.string() + ": device " + opt.device +
                                 " asked for, but this LibTorch has no CUDA or sees no GPU");
    n.module = torch_support::load_module(file, opt.device);
    n.channels_last = opt.channels_last && !n.module.hasattr("portrait_layout");
    if (opt.bf16) n.module.to(torch::kBFloat16);
    if (n.channels_last) {
        // What Python's module.to(memory_format=channels_last) does: 4-D weights to NHWC.
        for (const auto& p : n.module.parameters())
            if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
    }
    if (opt.freeze) n.module = torch::jit::freeze(n.module, c10::nullopt, opt.optimize_numerics);
    return n;
}

bool cpu_has_native_bf16() {
    std::ifstream in("/proc/cpuinfo");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("flags", 0) == 0)
            return line.find(" avx512_bf16") != std::string::npos || line.find(" amx_bf16") != std::string::npos;
    return false;
}

AbpnNetworks::AbpnNetworks(const AbpnModelFiles& files, const NetworkOptions& opt)
    : opt_(opt),
      device_(torch_support::device_of(opt.device)),
      det_(prepare(files.detection, opt)),
      inp_(prepare(files.inpainting, opt)),
      gen_(prepare(files.generator, opt)) {
    for (const auto* f : {&files.detection, &files.inpainting, &files.generator})
        weight_bytes_ += std::filesystem::file_size(*f);
}

torch::Tensor AbpnNetworks::in(const torch::Tensor& x, const Net& net) const {
    torch::Tensor t = x.to(device_);  // no copy when it is there already
    if (opt_.bf16) t = t.to(torch::kBFloat16);
    return net.channels_last ? t.contiguous(at::MemoryFormat::ChannelsLast) : t.contiguous();
}

// Module::forward may run on several threads at once: inference writes no attribute.
torch::Tensor AbpnNetworks::detect(const torch::Tensor& x) {
    return det_.module.forward({in(x, det_)}).toTensor().to(torch::kFloat32).contiguous();
}

torch::Tensor AbpnNetworks::inpaint(const torch::Tensor& masked, const torch::Tensor& keep) {
    return inp_.module.forward({in(masked, inp_), in(keep, inp_)}).toTensor().to(torch::kFloat32).contiguous();
}

torch::Tensor AbpnNetworks::generate(const torch::Tensor& x) {
    return gen_.module.forward({in(x, gen_)}).toTensor().to(torch::kFloat32).contiguous();
}

}  // namespace portrait::skin
