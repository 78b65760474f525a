// resources.device (issue 16): the setting's syntax, how auto/cpu/cuda resolve against what
// LibTorch offers, and that stages see the resolved device through Context.
#include <gtest/gtest.h>

#include <fstream>

#include "portrait/runtime/device.hpp"
#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/pipeline_config.hpp"
#include "portrait/runtime/runner.hpp"
#include "spine_test_util.hpp"

using portrait::DeviceChoice;
using portrait::resolve_device;
using portrait::TorchDevices;

namespace {

std::string refusal(const std::string& setting, TorchDevices d) {
    try {
        resolve_device(setting, d);
    } catch (const portrait::UsageError& e) {
        return e.what();
    }
    return "(accepted)";
}

std::string recorded_device(const spine::TempDir& tmp) {
    std::ifstream in(tmp.path() / "spine_device" / "device");
    std::string line;
    std::getline(in, line);
    return line;
}

}  // namespace

TEST(Device, SettingSyntax) {
    for (const char* ok : {"auto", "cpu", "cuda", "cuda:0", "cuda:7", "cuda:63"})
        EXPECT_TRUE(portrait::is_device_setting(ok)) << ok;
    for (const char* bad : {"", "gpu", "CUDA", "cuda:", "cuda:64", "cuda:-1", "cuda:01x", "mps", "cpu:0"})
        EXPECT_FALSE(portrait::is_device_setting(bad)) << bad;
}

TEST(Device, AutoIsTheFirstGpuWhenThereIsOneElseTheCpu) {
    EXPECT_EQ(resolve_device("auto", {false, 0}).device, "cpu");
    EXPECT_EQ(resolve_device("auto", {true, 0}).device, "cpu");
    EXPECT_EQ(resolve_device("auto", {true, 2}).device, "cuda:0");
    EXPECT_NE(resolve_device("auto", {false, 0}).reason.find("no CUDA"), std::string::npos);
    EXPECT_NE(resolve_device("auto", {true, 0}).reason.find("sees no GPU"), std::string::npos);
    EXPECT_EQ(resolve_device("cpu", {true, 2}).device, "cpu");
    EXPECT_EQ(resolve_device("cuda", {true, 2}).device, "cuda:0");
    EXPECT_EQ(resolve_device("cuda:1", {true, 2}).device, "cuda:1");
}

TEST(Device, CudaWhereItCannotRunNamesWhatIsMissing) {
    EXPECT_NE(refusal("cuda", {false, 0}).find("this LibTorch was built without CUDA"), std::string::npos);
    EXPECT_NE(refusal("cuda:0", {true, 0}).find("sees no GPU"), std::string::npos);
    EXPECT_EQ(refusal("cuda:2", {true, 2}), "resources.device cuda:2: there are 2 CUDA devices (cuda:0 .. cuda:1)");
    EXPECT_EQ(refusal("cuda:1", {true, 1}), "resources.device cuda:1: there is 1 CUDA device (cuda:0)");
}

TEST(Device, ThisLibTorchResolvesAutoToTheCpu) {
    // Debian's libtorch-dev is CPU-only; a CUDA build of the tests would see its own GPUs.
    const TorchDevices here = portrait::torch_devices();
    if (here.cuda_devices > 0) GTEST_SKIP() << "this LibTorch sees " << here.cuda_devices << " CUDA device(s)";
    EXPECT_EQ(resolve_device("auto", here).device, "cpu");
}

TEST(Device, PipelineFileChecksTheSettingAtItsLine) {
    try {
        portrait::parse_pipeline("resources:\n  device: gpu\nstages: []\n", "p.yaml");
        FAIL() << "accepted device: gpu";
    } catch (const portrait::ConfigError& e) {
        EXPECT_EQ(std::string(e.what()), "p.yaml:2:11: resources.device 'gpu' is not one of auto, cpu, cuda, cuda:N (did you mean 'cpu'?)");
    }
    const auto cfg = portrait::parse_pipeline(
        "resources: {device: cpu, device_memory_limit: 2GiB}\nstages: []\n", "p.yaml");
    EXPECT_EQ(cfg.resources.device, "cpu");
    EXPECT_EQ(cfg.resources.device_memory_limit, std::size_t(2) << 30);
    // Written back by the Studio's save, read again the same.
    const auto again = portrait::parse_pipeline(portrait::to_yaml(cfg), "again.yaml");
    EXPECT_EQ(again.resources.device, "cpu");
    EXPECT_EQ(again.resources.device_memory_limit, std::size_t(2) << 30);
}

TEST(Device, StagesSeeTheResolvedDevice) {
    if (portrait::torch_devices().cuda_devices > 0) GTEST_SKIP() << "this LibTorch sees a GPU";
    spine::TempDir tmp;
    portrait::Runner runner(spine::resolve("resources: {device_memory_limit: 1GiB}\nstages:\n  - stage: spine_device\n"),
                            portrait::RunEnvironment{tmp.path(), 1});
    EXPECT_EQ(runner.device(), "cpu");
    // Never "auto"; no device budget on the CPU (memory_limit counts there).
    EXPECT_EQ(recorded_device(tmp), "cpu 0");
}

TEST(Device, RunnerRefusesCudaBeforeAnyStageStarts) {
    if (portrait::torch_devices().cuda_devices > 0) GTEST_SKIP() << "this LibTorch sees a GPU";
    spine::TempDir tmp;
    EXPECT_THROW(portrait::Runner(spine::resolve("resources: {device: cuda}\nstages:\n  - stage: spine_device\n"),
                                  portrait::RunEnvironment{tmp.path(), 1}),
                 portrait::UsageError);
    EXPECT_EQ(recorded_device(tmp), "");  // the stage was never created
}
