// resources.device_memory_limit on a GPU: the stage runs fewer faces per GPEN call and
// smaller RealESRNet tiles as the budget shrinks, and refuses with a message naming the
// setting below what one face or the smallest tile needs. Expected values are worked out
// here from the stated estimates, not read back from the code.
#include <gtest/gtest.h>

#include "device_budget.hpp"

using namespace portrait::gpen;

namespace {
constexpr std::size_t MiB = std::size_t(1) << 20, GiB = std::size_t(1) << 30;
}  // namespace

TEST(GpenDeviceBudget, FewerFacesPerCallForASmallerBudget) {
    // 1 GiB of weights, 1 GiB per face.
    EXPECT_EQ(faces_per_call(10 * GiB, GiB, GiB, 4), 4);            // room for 9, 4 asked
    EXPECT_EQ(faces_per_call(3 * GiB + 512 * MiB, GiB, GiB, 4), 2);  // 2.5 faces of room
    EXPECT_EQ(faces_per_call(2 * GiB, GiB, GiB, 4), 1);
    EXPECT_EQ(faces_per_call(2 * GiB - 1, GiB, GiB, 4), 0);  // not even one face
    EXPECT_EQ(faces_per_call(GiB / 2, GiB, GiB, 1), 0);      // not even the weights
    EXPECT_EQ(faces_per_call(10 * GiB, GiB, GiB, 0), 1);     // batch 0 counts as 1
}

TEST(GpenDeviceBudget, SmallerTilesForASmallerBudget) {
    const cv::Size image(2000, 1500);
    const std::size_t bpp = 1900, resident = 100 * MiB;
    // The asked tile 400 (+ 2 x 32 context = 464 px) needs 464^2 x 1900 = 390 MiB.
    EXPECT_EQ(tile_for_budget(resident + 400 * MiB, resident, bpp, 400, image, 32, 2), 400);
    // 200 MiB: the largest even tile t with (t + 64)^2 x 1900 <= 200 MiB, found by search.
    const std::size_t room = 200 * MiB;
    int want = 0;
    for (int t = 2; t <= 400; t += 2)
        if (std::size_t(t + 64) * std::size_t(t + 64) * bpp <= room) want = t;
    ASSERT_GT(want, 64);
    ASSERT_LT(want, 400);
    EXPECT_EQ(tile_for_budget(resident + room, resident, bpp, 400, image, 32, 2), want);
    // Room for a padded 100 px tile only: a 36 px core, below the 64 px minimum: refused.
    EXPECT_EQ(tile_for_budget(resident + 100 * 100 * bpp, resident, bpp, 400, image, 32, 2), 0);
    // Context rounds up to the alignment, as make_tiles does: pad 31 counts as 32.
    EXPECT_EQ(tile_for_budget(resident + room, resident, bpp, 400, image, 31, 2), want);
}

TEST(GpenDeviceBudget, WholeImageAtOnceWhenItFits) {
    const std::size_t bpp = 1900;
    const cv::Size small(300, 200);
    // tile 0 = the whole image: one tile, no context, 300 x 200 x 1900 bytes.
    EXPECT_EQ(tile_for_budget(300 * 200 * bpp, 0, bpp, 0, small, 32, 2), 300);
    // One byte short of that: tiles, each with its context.
    const int t = tile_for_budget(300 * 200 * bpp - 1, 0, bpp, 0, small, 32, 2);
    EXPECT_GT(t, 0);
    EXPECT_LT(t, 300);
    EXPECT_EQ(t % 2, 0);
    EXPECT_LE(std::size_t(t + 64) * std::size_t(t + 64) * bpp, 300 * 200 * bpp - 1);
    // A tile larger than the image is one tile too.
    EXPECT_EQ(tile_for_budget(300 * 200 * bpp, 0, bpp, 1000, small, 32, 2), 1000);
}

TEST(GpenDeviceBudget, PlanAdaptsOrRefusesNamingTheSetting) {
    DeviceNeeds n;
    n.weights = 300 * MiB;
    n.face_size = 512;
    n.batch = 4;
    n.faces = 6;
    n.budget = n.weights + 2 * GiB + 100 * MiB;  // two 512 faces (1 GiB each)
    DevicePlan p = plan_device_memory(n);
    EXPECT_TRUE(p.refused.empty()) << p.refused;
    EXPECT_EQ(p.batch, 2);
    // With the EQFace gate resident (256 MiB) only one face fits.
    n.gate = true;
    EXPECT_EQ(plan_device_memory(n).batch, 1);
    // Below one face: refused, with the setting and the sizes in the message.
    n.budget = n.weights + 512 * MiB;
    p = plan_device_memory(n);
    EXPECT_NE(p.refused.find("resources.device_memory_limit is 812 MiB"), std::string::npos) << p.refused;
    EXPECT_NE(p.refused.find("GPEN-512"), std::string::npos) << p.refused;
    EXPECT_NE(p.refused.find("resources.device: cpu"), std::string::npos) << p.refused;
    // No face to restore: the faces' needs do not count.
    n.faces = 0;
    EXPECT_TRUE(plan_device_memory(n).refused.empty());

    // RealESRNet: the image (24 bytes per pixel) sits beside the tiles.
    DeviceNeeds sr;
    sr.weights = 70 * MiB;
    sr.realesrnet = true;
    sr.image = cv::Size(4000, 3000);  // 275 MiB on the device
    sr.tile = 400;
    sr.pad = 32;
    sr.budget = 2 * GiB;
    EXPECT_EQ(plan_device_memory(sr).tile, 400);
    sr.budget = sr.weights + 4000 * 3000 * 24 + 100 * MiB;
    p = plan_device_memory(sr);
    EXPECT_TRUE(p.refused.empty()) << p.refused;
    EXPECT_GE(p.tile, 64);
    EXPECT_LT(p.tile, 400);
    sr.budget = sr.weights + 4000 * 3000 * 24;  // the image alone fills it
    p = plan_device_memory(sr);
    EXPECT_NE(p.refused.find("realesrnet"), std::string::npos) << p.refused;
    EXPECT_NE(p.refused.find("4000x3000"), std::string::npos) << p.refused;
    EXPECT_NE(p.refused.find("resources.device_memory_limit"), std::string::npos) << p.refused;
}
