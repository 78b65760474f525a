#include "abpn_networks.hpp"

#include <fstream>
#include <string>

#include "portrait/torch_support.hpp"

namespace portrait::skin {
namespace {

torch::jit::Module prepare(const std::filesystem::path& file, const NetworkOptions& opt) {
    torch::jit::Module m = torch_support::load_module(file);
    if (opt.bf16) m.to(torch::kBFloat16);
    if (opt.channels_last) {
        // What Python's module.to(memory_format=channels_last) does: 4-D weights to NHWC.
        for (const auto& p : m.parameters())
            if (p.dim() == 4) p.set_data(p.contiguous(at::MemoryFormat::ChannelsLast));
    }
    if (opt.freeze) m = torch::jit::freeze(m, c10::nullopt, opt.optimize_numerics);
    return m;
}

}  // namespace

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

torch::Tensor AbpnNetworks::in(const torch::Tensor& x) const {
    torch::Tensor t = opt_.bf16 ? x.to(torch::kBFloat16) : x;
    return opt_.channels_last ? t.contiguous(at::MemoryFormat::ChannelsLast) : t;
}

// Module::forward may run on several threads at once: inference writes no attribute.
torch::Tensor AbpnNetworks::detect(const torch::Tensor& x) {
    return det_.forward({in(x)}).toTensor().to(torch::kFloat32).contiguous();
}

torch::Tensor AbpnNetworks::inpaint(const torch::Tensor& masked, const torch::Tensor& keep) {
    return inp_.forward({in(masked), in(keep)}).toTensor().to(torch::kFloat32).contiguous();
}

torch::Tensor AbpnNetworks::generate(const torch::Tensor& x) {
    return gen_.forward({in(x)}).toTensor().to(torch::kFloat32).contiguous();
}

}  // namespace portrait::skin
