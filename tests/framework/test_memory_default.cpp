// The memory budget of a run that sets none comes from the machine (half of its memory, or
// of its cgroup's limit), so a header promising a huge image is refused before decoding
// instead of making an unattended run swap. An explicit 0 still means "no limit".
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include <opencv2/imgcodecs.hpp>

#include "portrait/runtime/batch.hpp"
#include "portrait/runtime/pipeline_config.hpp"
#include "portrait/runtime/resources.hpp"
#include "portrait/runtime/runner.hpp"
#include "spine_test_util.hpp"

namespace fs = std::filesystem;

namespace {

void write(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    std::ofstream(file) << text;
}

// MemTotal from /proc/meminfo, read here independently of the runtime (which uses sysconf).
std::size_t mem_total_bytes() {
    std::ifstream in("/proc/meminfo");
    std::string key, unit;
    std::size_t kib = 0;
    while (in >> key >> kib >> unit)
        if (key == "MemTotal:") return kib * 1024;
    return 0;
}

}  // namespace

TEST(MemoryDefault, HalfOfThePhysicalMemoryWhenNoCgroupLimitIsLower) {
    const std::size_t total = mem_total_bytes();
    ASSERT_GT(total, 0u);
    const std::size_t machine = portrait::machine_memory_bytes();
    EXPECT_LE(machine, total);
    EXPECT_EQ(portrait::default_memory_limit(), machine / 2);
    EXPECT_GT(portrait::default_memory_limit(), 0u);
}

TEST(MemoryDefault, TheLowestCgroupLimitOnThePathWins) {
    portrait_test::TempDir root("cgroup");
    // v2: a 4 GiB slice above an unlimited leaf.
    write(root / "memory.max", "max\n");
    write(root / "slice" / "memory.max", "4294967296\n");
    write(root / "slice" / "job" / "memory.max", "max\n");
    EXPECT_EQ(portrait::cgroup_memory_limit(root.path(), "0::/slice/job\n"), std::size_t(4) << 30);
    // v1: the memory hierarchy, "unlimited" being a number near 2^63.
    write(root / "memory" / "memory.limit_in_bytes", "9223372036854771712\n");
    write(root / "memory" / "box" / "memory.limit_in_bytes", "1073741824\n");
    EXPECT_EQ(portrait::cgroup_memory_limit(root.path(), "4:memory:/box\n1:cpu:/\n"), std::size_t(1) << 30);
    // A container whose own path is not under the mount: the mount's root still counts.
    write(root / "memory" / "memory.limit_in_bytes", "2147483648\n");
    EXPECT_EQ(portrait::cgroup_memory_limit(root.path(), "4:memory:/elsewhere/x\n"), std::size_t(2) << 30);
    EXPECT_EQ(portrait::cgroup_memory_limit(root.path(), "0::/\n"), 0u) << "max is no limit";
    EXPECT_EQ(portrait::cgroup_memory_limit(root / "missing", "0::/a\n"), 0u);
}

TEST(MemoryDefault, APipelineWithoutALimitGetsTheDefaultAndZeroStaysUnlimited) {
    const auto unset = portrait::parse_pipeline("stages: []\n", "p.yaml");
    EXPECT_EQ(unset.resources.memory_limit, portrait::default_memory_limit());
    EXPECT_GT(unset.resources.memory_limit, 0u);
    const auto none = portrait::parse_pipeline("resources: {memory_limit: 0}\nstages: []\n", "p.yaml");
    EXPECT_EQ(none.resources.memory_limit, 0u) << "0 is the explicit way to say no limit";
    // A saved pipeline keeps the machine's default out of the file, and an explicit 0 in it.
    EXPECT_EQ(portrait::to_yaml(unset).find("memory_limit"), std::string::npos) << portrait::to_yaml(unset);
    const auto saved = portrait::parse_pipeline(portrait::to_yaml(none), "saved.yaml");
    EXPECT_EQ(saved.resources.memory_limit, 0u);
}

// A 2 KB JPEG whose header says 32768 x 32768 (about 20 GB at run time), run with no limit
// set anywhere: refused before decoding where the machine's default budget is below that;
// on a machine large enough to admit it, the decode stops at the first missing row.
TEST(MemoryDefault, AHugeHeaderIsRefusedWithoutALimitBeingSet) {
    spine::TempDir tmp;
    const fs::path in = tmp / "in", work = tmp / "work";
    fs::create_directories(in);
    fs::create_directories(work);
    std::vector<unsigned char> bytes;
    cv::imencode(".jpg", spine::photo(64, 64), bytes);
    for (std::size_t i = 2; i + 8 < bytes.size(); ++i)
        if (bytes[i] == 0xFF && bytes[i + 1] == 0xC0) {  // SOF0: height and width at +5, +7
            bytes[i + 5] = bytes[i + 7] = 0x80;
            bytes[i + 6] = bytes[i + 8] = 0x00;
            break;
        }
    std::ofstream(in / "bomb.jpg", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                           std::streamsize(bytes.size()));
    const portrait::ResolvedPipeline pipeline = spine::resolve("stages:\n  - stage: spine_rect\n");
    ASSERT_EQ(pipeline.config.resources.memory_limit, portrait::default_memory_limit());
    portrait::Runner runner(pipeline, portrait::RunEnvironment{work, 2});
    portrait::BatchOptions o;
    o.inputs = {in.string()};
    o.output_dir = tmp / "out";
    o.threads = 2;
    o.progress = portrait::ProgressMode::Never;
    const auto t0 = std::chrono::steady_clock::now();
    const portrait::BatchSummary s = portrait::run_batch(runner, o);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_EQ(s.items.size(), 1u);
    const std::string& error = s.items[0].error;
    EXPECT_EQ(s.items[0].status, portrait::ItemStatus::Failed);
    const std::size_t px = std::size_t(32768) * 32768;
    if (portrait::default_memory_limit() < px * 18) {  // decoded input, result, float copy
        EXPECT_NE(error.find("refused before decoding"), std::string::npos) << error;
    } else {
        EXPECT_NE(error.find("corrupt JPEG data"), std::string::npos) << error;
    }
    EXPECT_LT(seconds, 10.0);
}
