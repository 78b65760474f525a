// The three ABPN networks as converted TorchScript modules (models/convert/skin_retouching.py),
// prepared for inference once at load.
#pragma once

#include <filesystem>
#include <string>

#include <torch/script.h>

namespace portrait::skin {

struct NetworkOptions {
    // torch::jit::freeze: weights become constants; with optimize_numerics conv+BN are
    // folded (fp32 rounding changes by ~1e-6 relative).
    bool freeze = true;
    bool optimize_numerics = true;
    // NHWC weights and inputs: oneDNN then runs without layout reorders between layers.
    // Applies to modules in the checkpoints' own layout; the converter's inference layouts
    // (attribute `portrait_layout`) run NCHW, which measured faster for them (their phase
    // interleaving and split sums are slow in NHWC).
    bool channels_last = true;
    // bfloat16 weights and inputs (fp32 accumulation in oneDNN): about 2x faster on CPUs
    // with native bf16 (AVX512-BF16, AMX); outputs differ from fp32 by ~1e-2 relative.
    bool bf16 = false;
    // Where the networks and their tensors live: Context::device(), "cpu" or "cuda:N".
    std::string device = "cpu";
};

// True when the CPU executes bf16 dot products natively (avx512_bf16 or amx_bf16).
bool cpu_has_native_bf16();

struct AbpnModelFiles {
    std::filesystem::path detection, inpainting, generator;
};

class AbpnNetworks {
public:
    AbpnNetworks(const AbpnModelFiles& files, const NetworkOptions& opt);

    // All take and return float32 NCHW tensors on device(); see the converter's manifest.
    torch::Tensor detect(const torch::Tensor& x);                                  // logits
    torch::Tensor inpaint(const torch::Tensor& masked, const torch::Tensor& keep);  // tanh RGB
    torch::Tensor generate(const torch::Tensor& x);                                // blend layer 0..1

    const NetworkOptions& options() const { return opt_; }
    const torch::Device& device() const { return device_; }
    // Bytes of the three saved files: the weights that sit on the device.
    std::size_t weight_bytes() const { return weight_bytes_; }
    const torch::jit::Module& detection_module() const { return det_.module; }

private:
    struct Net {
        torch::jit::Module module;
        bool channels_last = false;
    };
    static Net prepare(const std::filesystem::path& file, const NetworkOptions& opt);
    torch::Tensor in(const torch::Tensor& x, const Net& net) const;
    NetworkOptions opt_;
    torch::Device device_;
    Net det_, inp_, gen_;
    std::size_t weight_bytes_ = 0;
};

}  // namespace portrait::skin
