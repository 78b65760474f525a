// The stage's networks on the device it is given (Context::device()): here the CPU, the
// only one Debian's LibTorch has. Weights and outputs must end up there, and a CUDA device
// on this LibTorch must be a clear error, not a crash.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include <portrait/torch_support.hpp>
#include <torch/cuda.h>

#include "eqface_model.hpp"
#include "gpen_test_util.hpp"
#include "module_devices.hpp"
#include "test_temp_dir.hpp"
#include "portrait/tiling.hpp"
#include "torch_models.hpp"

using namespace portrait::gpen;
namespace fs = std::filesystem;

namespace {

using portrait_test::TempDir;

// A module with a weight (buffer w = 2), so there is a tensor that has to be moved: after
// freezing it is a constant of the graph. forward: x * w.
fs::path write_weighted(const fs::path& dir) {
    torch::jit::Module m("Weighted");
    m.register_buffer("w", torch::full({1, 3, 1, 1}, 2.0));
    m.define("def forward(self, x):\n  return x * self.w\n");
    fs::create_directories(dir);
    const fs::path file = dir / "model.pt";
    m.save(file.string());
    return file;
}

}  // namespace

TEST(GpenDevice, WeightsAndOutputsOnTheChosenDevice) {
    TempDir tmp;
    const fs::path file = write_weighted(tmp.path() / "w");
    TorchFaceRestorer r(file, 16, "cpu");
    EXPECT_EQ(r.device(), torch::Device(torch::kCPU));
    const portrait_test::ModuleTensors t = portrait_test::module_tensors(r.module());
    ASSERT_GT(t.count, 0) << "the frozen weight was not found in the module";
    EXPECT_EQ(t.devices, std::set<std::string>{"cpu"});

    // forward's result stays where the network ran; restore brings it to the host.
    const cv::Mat crop(16, 16, CV_8UC3, cv::Scalar(0, 159, 255));  // B G R
    const torch::Tensor raw = r.forward({crop, crop});
    EXPECT_EQ(raw.device(), torch::Device(torch::kCPU));
    ASSERT_EQ(raw.sizes(), torch::IntArrayRef({2, 3, 16, 16}));
    // R = 255 -> +1 in, x 2 out; B = 0 -> -1 in, x 2 out.
    EXPECT_FLOAT_EQ(raw[1][0][3][4].item<float>(), 2.f);
    EXPECT_FLOAT_EQ(raw[1][2][3][4].item<float>(), -2.f);
    // Back in 0..255: v -> 2 v - 127.5, clipped.
    const std::vector<cv::Mat> faces = r.restore({crop});
    ASSERT_EQ(faces.size(), 1u);
    const cv::Vec3f px = faces[0].at<cv::Vec3f>(3, 4);
    EXPECT_NEAR(px[0], 0.f, 1e-4);
    EXPECT_NEAR(px[1], 2 * 159 - 127.5f, 1e-3);
    EXPECT_NEAR(px[2], 255.f, 1e-4);

    TorchUpsampler up(write_weighted(tmp.path() / "sr"), 0, 0, "cpu");
    EXPECT_EQ(up.device(), torch::Device(torch::kCPU));
    EXPECT_EQ(portrait_test::module_tensors(up.module()).devices, std::set<std::string>{"cpu"});
}

TEST(GpenDevice, TiledOnTheDeviceEqualsOneTilePerCall) {
    // The upsampler cuts tiles out of the image already on the device; it must give what
    // running each padded tile on its own and keeping its core gives (run_tiled). A 3 x 3
    // max filter: the result depends on the tile edges, so misplaced tiles show.
    TempDir tmp;
    const fs::path file = gpen_test::write_module(
        tmp.path(), "sr", "  y = torch.max_pool2d(x, [3, 3], [1, 1], [1, 1])\n"
                          "  return torch.repeat_interleave(torch.repeat_interleave(y, 2, 2), 2, 3)\n");
    TorchUpsampler up(file, 24, 6, "cpu");
    cv::Mat img(50, 70, CV_8UC3);
    cv::RNG(3).fill(img, cv::RNG::UNIFORM, 0, 256);
    cv::Mat want;
    portrait::tiling::run_tiled(img, 2, 24, 6, 2, [&](const cv::Mat& t) { return up.network_x2(t); }).convertTo(want, CV_8UC3, 255.0);
    EXPECT_EQ(cv::norm(up.upsample(img, 2), want, cv::NORM_INF), 0);
    // The same with another tile side for one call (the device budget's).
    portrait::tiling::run_tiled(img, 2, 16, 6, 2, [&](const cv::Mat& t) { return up.network_x2(t); }).convertTo(want, CV_8UC3, 255.0);
    EXPECT_EQ(cv::norm(up.upsample(img, 2, 16), want, cv::NORM_INF), 0);
}

TEST(GpenDevice, CudaOnThisLibTorchIsAClearError) {
    if (torch::cuda::is_available()) GTEST_SKIP() << "this LibTorch has CUDA and a GPU: nothing to refuse";
    TempDir tmp;
    const fs::path file = write_weighted(tmp.path() / "w");
    // The SDK's loader: a std::runtime_error naming the file, whatever LibTorch says.
    try {
        portrait::torch_support::load_module(file, "cuda");
        FAIL() << "a CUDA module loaded on a LibTorch without CUDA";
    } catch (const std::runtime_error& e) {
        std::cout << "load_module(file, \"cuda\"): " << e.what() << "\n";
        EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("this LibTorch has no CUDA or sees no GPU"), std::string::npos)
            << e.what();
    }
    // The stage's loader says what is wrong and what to do instead.
    for (const char* device : {"cuda", "cuda:0"}) {
        try {
            TorchFaceRestorer r(file, 16, device);
            FAIL() << "a restorer started on " << device;
        } catch (const std::runtime_error& e) {
            const std::string m = e.what();
            EXPECT_NE(m.find(file.string()), std::string::npos) << m;
            EXPECT_NE(m.find("no CUDA"), std::string::npos) << m;
            EXPECT_NE(m.find(device), std::string::npos) << m;
        }
    }
    EXPECT_THROW(TorchUpsampler(file, 0, 0, "cuda:0"), std::runtime_error);
    EXPECT_THROW(TorchFaceScorer(file, "cuda:0"), std::runtime_error);
    // Not a device name at all.
    EXPECT_THROW(TorchFaceRestorer(file, 16, "gpu"), std::runtime_error);
}
