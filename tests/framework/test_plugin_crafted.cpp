// Plugins that are not what they claim (plugins/crafted_plugin.cpp): a garbage or
// incomplete descriptor, a registration that crashes, a constructor that crashes, exits
// or hangs. Each is refused with one line naming the file; the host lives on and the
// good plugin in the same folder still loads.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "portrait/runtime/plugin_registry.hpp"
#include "spine_test_util.hpp"

namespace fs = std::filesystem;
using portrait::PluginRegistry;

namespace {

fs::path crafted(const std::string& name) { return fs::path(CRAFTED_PLUGIN_DIR) / ("portrait_crafted_" + name + ".so"); }

// Loads one crafted plugin and returns its one refusal line.
std::string refusal_of(const std::string& name) {
    PluginRegistry reg;
    EXPECT_FALSE(reg.load_file(crafted(name))) << name;
    EXPECT_TRUE(reg.plugins().empty()) << name;
    EXPECT_EQ(reg.find("crafted_stage"), nullptr) << name;
    if (reg.refusals().size() != 1) {
        ADD_FAILURE() << name << ": " << reg.refusals().size() << " refusals";
        return {};
    }
    EXPECT_EQ(reg.refusals()[0].path, crafted(name));
    return reg.refusals()[0].reason;
}

}  // namespace

TEST(CraftedPlugin, GarbageDescriptorPointerIsRefusedNotFatal) {
    const std::string r = refusal_of("garbage_descriptor");
    EXPECT_NE(r.find("crashed while being checked"), std::string::npos) << r;
    EXPECT_NE(r.find("SIGSEGV"), std::string::npos) << r;
}

TEST(CraftedPlugin, NullRegistrationFunctionIsRefused) {
    EXPECT_EQ(refusal_of("null_register"), "descriptor has no registration function");
}

TEST(CraftedPlugin, NullToolchainIsRefused) {
    EXPECT_EQ(refusal_of("null_toolchain"), "descriptor has no toolchain string");
}

TEST(CraftedPlugin, NullNameIsRefused) { EXPECT_EQ(refusal_of("null_name"), "descriptor has no plugin name"); }

TEST(CraftedPlugin, StageWithNullFunctionsIsRefused) {
    EXPECT_EQ(refusal_of("null_stage_function"), "stage 'crafted_hollow' was registered with a null function");
}

TEST(CraftedPlugin, RegistrationThatCrashesIsRefused) {
    const std::string r = refusal_of("register_crash");
    EXPECT_NE(r.find("crashed while being checked"), std::string::npos) << r;
}

TEST(CraftedPlugin, ConstructorThatCrashesIsRefused) {
    const std::string r = refusal_of("ctor_crash");
    EXPECT_NE(r.find("crashed while being checked"), std::string::npos) << r;
}

TEST(CraftedPlugin, ConstructorThatExitsIsRefused) {
    EXPECT_EQ(refusal_of("ctor_exit"),
              "ended the process while being checked (exit status 3); a plugin must not call exit()");
}

TEST(CraftedPlugin, ConstructorThatHangsIsRefusedAfterTheTimeout) {
    ::setenv("PORTRAIT_PLUGIN_SCAN_TIMEOUT", "1", 1);
    const std::string r = refusal_of("ctor_hang");
    ::unsetenv("PORTRAIT_PLUGIN_SCAN_TIMEOUT");
    EXPECT_NE(r.find("did not finish loading within 1 s"), std::string::npos) << r;
}

TEST(CraftedPlugin, StageSpecsThatContradictThemselvesAreRefusedAtLoad) {
    EXPECT_EQ(refusal_of("spec_default_out_of_range"),
              "stage 'crafted_stage': parameter 'amount': default 2 is outside 0 .. 1");
    EXPECT_EQ(refusal_of("spec_duplicate_param"), "stage 'crafted_stage': parameter 'amount' is declared twice");
    EXPECT_EQ(refusal_of("spec_choice_default"),
              "stage 'crafted_stage': parameter 'mode': default 'slow' is not one of its choices");
    EXPECT_EQ(refusal_of("spec_bad_name"),
              "stage name 'Crafted Stage' is not snake_case (a-z, 0-9, _; a letter first; at most 64)");
}

TEST(CraftedPlugin, DescriptorSizesThatAreNoRevisionOfTheAbiAreRefused) {
    const std::string small = refusal_of("size_too_small");
    EXPECT_NE(small.find("descriptor of 8 bytes is too small"), std::string::npos) << small;
    const std::string newer = refusal_of("size_newer");
    EXPECT_NE(newer.find("is newer than this host's ABI"), std::string::npos) << newer;
    EXPECT_NE(newer.find("update portrait or rebuild the plugin"), std::string::npos) << newer;
    const std::string between = refusal_of("size_between");
    EXPECT_NE(between.find("is no revision of ABI"), std::string::npos) << between;
}

TEST(CraftedPlugin, AnOlderRevisionOfTheSameAbiLoadsAndItsMissingFieldsAreNotRead) {
    // Its descriptor ends before `torch`, and what follows is a bad pointer: reading it
    // would crash the scan child and refuse the plugin.
    PluginRegistry reg;
    EXPECT_TRUE(reg.load_file(crafted("revision_3_0")));
    EXPECT_TRUE(reg.refusals().empty()) << reg.refusals()[0].reason;
    EXPECT_NE(reg.find("crafted_stage"), nullptr);
}

TEST(CraftedPlugin, APluginBuiltAgainstAnotherLibTorchIsRefused) {
    const std::string r = refusal_of("other_torch");
    EXPECT_NE(r.find("built against LibTorch 0.4.1, this host uses LibTorch "), std::string::npos) << r;
}

TEST(CraftedPlugin, AFolderOfCraftedPluginsDoesNotStopTheGoodOne) {
    spine::TempDir tmp;
    for (const char* n : {"garbage_descriptor", "null_register", "null_toolchain", "null_name", "register_crash",
                          "ctor_crash", "ctor_exit"})
        fs::copy_file(crafted(n), tmp / (std::string("a_") + n + ".so"));
    fs::copy_file(SPINE_STAGES_SO, tmp / "m_spine_stages.so");
    PluginRegistry reg;
    reg.load_directory(tmp.path());
    ASSERT_EQ(reg.plugins().size(), 1u);
    EXPECT_EQ(reg.plugins()[0]->name, "spine_stages");
    EXPECT_NE(reg.find("spine_rect"), nullptr);
    EXPECT_EQ(reg.refusals().size(), 7u);
}
