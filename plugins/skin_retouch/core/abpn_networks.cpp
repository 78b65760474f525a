#include "abpn_networks.hpp"

#include <fstream>
#include <string>

#include "portrait/torch_support.hpp"

namespace portrait::skin {

AbpnNetworks::Net AbpnNetworks::prepare(const std::filesystem::path& file, const NetworkOptions& opt) {
    Net n;
    n.module = torch_support::load_module(file);
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
      det_(prepare(files.detection, opt)),
      inp_(prepare(files.inpainting, opt)),
      gen_(prepare(files.generator, opt)) {}

torch::Tensor AbpnNetworks::in(const torch::Tensor& x, const Net& net) const {
    torch::Tensor t = opt_.bf16 ? x.to(torch::kBFloat16) : x;
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
