// The ABPN networks on the device they are given (Context::device()): here the CPU, the
// only one Debian's LibTorch has. And resources.device_memory_limit on a GPU: fewer
// inpainting tiles per call, or a refusal naming the setting.
#include <gtest/gtest.h>

#include <set>

#include <torch/cuda.h>

#include "abpn_budget.hpp"
#include "abpn_networks.hpp"
#include "module_devices.hpp"
#include "test_support.hpp"
#include "test_temp_dir.hpp"

namespace fs = std::filesystem;
namespace sk = portrait::skin;

namespace {
constexpr std::size_t MiB = std::size_t(1) << 20;
}  // namespace

TEST(AbpnDevice, NetworksAndOutputsOnTheChosenDevice) {
    std::string why;
    const fs::path models = skin_test::recipe_models(&why);
    if (models.empty()) GTEST_SKIP() << why;
    const fs::path d = models / "skin-retouching";
    sk::NetworkOptions opt;
    opt.device = "cpu";
    sk::AbpnNetworks nets({d / "detection_net.pt", d / "inpainting_net.pt", d / "generator.pt"}, opt);
    EXPECT_EQ(nets.device(), torch::Device(torch::kCPU));
    const portrait_test::ModuleTensors t = portrait_test::module_tensors(nets.detection_module());
    ASSERT_GT(t.count, 0) << "no weights found in the detection network";
    EXPECT_EQ(t.devices, std::set<std::string>{"cpu"});
    EXPECT_GT(nets.weight_bytes(), 0u);
    c10::InferenceMode guard;
    const torch::Tensor x = torch::zeros({1, 3, 64, 64});
    EXPECT_EQ(nets.detect(x).device(), torch::Device(torch::kCPU));
    EXPECT_EQ(nets.generate(x).device(), torch::Device(torch::kCPU));
}

TEST(AbpnDevice, CudaOnThisLibTorchIsAClearError) {
    if (torch::cuda::is_available()) GTEST_SKIP() << "this LibTorch has CUDA and a GPU: nothing to refuse";
    portrait_test::TempDir tmp;
    torch::jit::Module m("Weighted");
    m.register_buffer("w", torch::ones({1}));
    m.define("def forward(self, x):\n  return x * self.w\n");
    const fs::path file = tmp.path() / "net.pt";
    m.save(file.string());
    sk::NetworkOptions opt;
    opt.device = "cuda:0";
    try {
        sk::AbpnNetworks nets({file, file, file}, opt);
        FAIL() << "networks started on cuda:0 without CUDA";
    } catch (const std::runtime_error& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find(file.string()), std::string::npos) << msg;
        EXPECT_NE(msg.find("no CUDA"), std::string::npos) << msg;
    }
}

TEST(AbpnDeviceBudget, FewerTilesPerCallThenRefusal) {
    // A 1000 x 1000 crop: 80 bytes a pixel, 400 MiB for detection and the generator, 160 MiB
    // per inpainting tile of a call, beside 100 MiB of weights.
    const std::size_t weights = 100 * MiB, px = 1000 * 1000;
    const std::size_t one = weights + px * 80 + 400 * MiB + 160 * MiB;
    EXPECT_EQ(sk::abpn_tiles_per_call(one + 2 * 160 * MiB, weights, px, 4), 3);
    EXPECT_EQ(sk::abpn_tiles_per_call(one + 2 * 160 * MiB, weights, px, 2), 2);
    EXPECT_EQ(sk::abpn_tiles_per_call(one + 160 * MiB - 1, weights, px, 4), 1);
    EXPECT_EQ(sk::abpn_tiles_per_call(one, weights, px, 4), 1);
    EXPECT_EQ(sk::abpn_tiles_per_call(one - 1, weights, px, 4), 0);
    // A larger crop needs more: the same budget no longer fits it.
    EXPECT_EQ(sk::abpn_tiles_per_call(one, weights, 4 * px, 1), 0);
    const std::string msg = sk::abpn_budget_refusal(one - 1, weights, cv::Size(1000, 1000));
    EXPECT_NE(msg.find("1000x1000 face crop"), std::string::npos) << msg;
    EXPECT_NE(msg.find("resources.device_memory_limit is"), std::string::npos) << msg;
    EXPECT_NE(msg.find("resources.device: cpu"), std::string::npos) << msg;
}
