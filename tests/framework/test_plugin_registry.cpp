// PluginRegistry against real .so files: a good plugin, and the ones a host must refuse
// (another ABI, another toolchain, no entry point, not a library, a duplicate stage name,
// a registration that throws) while it goes on with the others.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "portrait/runtime/plugin_registry.hpp"
#include "portrait/version.hpp"
#include "spine_test_util.hpp"

namespace fs = std::filesystem;
using portrait::PluginRegistry;

namespace {

// The line the host logs (and `portrait plugins` prints) for a refusal.
std::string message(const portrait::PluginRefusal& r) { return r.path.string() + ": " + r.reason; }

fs::path canonical(const char* p) { return fs::weakly_canonical(p); }

}  // namespace

TEST(PluginRegistry, LoadsARealPluginAndIndexesItsStages) {
    PluginRegistry reg;
    ASSERT_TRUE(reg.load_file(SPINE_STAGES_SO));
    EXPECT_TRUE(reg.refusals().empty());
    ASSERT_EQ(reg.plugins().size(), 1u);
    EXPECT_EQ(reg.plugins()[0]->name, "spine_stages");
    EXPECT_EQ(reg.plugins()[0]->version, "1.0.0");
    EXPECT_EQ(reg.plugins()[0]->sdk_version, PORTRAIT_VERSION_STRING);
    EXPECT_EQ(reg.plugins()[0]->path, canonical(SPINE_STAGES_SO));
    const portrait::StageEntry* need = reg.find("spine_need");
    ASSERT_NE(need, nullptr);
    EXPECT_EQ(need->spec.needs, std::vector<std::string>{"spine_cap"});
    EXPECT_FALSE(reg.find("spine_sleep")->spec.concurrent);
    EXPECT_EQ(reg.find("spine_types")->spec.params.size(), 5u);
    EXPECT_EQ(reg.find("no_such_stage"), nullptr);
    // Loading the same file again is a no-op, not a duplicate.
    EXPECT_TRUE(reg.load_file(SPINE_STAGES_SO));
    EXPECT_EQ(reg.plugins().size(), 1u);
    EXPECT_TRUE(reg.refusals().empty());
}

TEST(PluginRegistry, RefusesAnotherAbiNamingFileAndBothVersions) {
    PluginRegistry reg;
    EXPECT_FALSE(reg.load_file(SPINE_ABI999_SO));
    ASSERT_EQ(reg.refusals().size(), 1u);
    const std::string m = message(reg.refusals()[0]);
    EXPECT_NE(m.find(SPINE_ABI999_SO), std::string::npos) << m;
    EXPECT_NE(m.find("plugin ABI 999"), std::string::npos) << m;
    EXPECT_NE(m.find("this host has ABI " + std::to_string(PORTRAIT_PLUGIN_ABI_VERSION)), std::string::npos) << m;
    EXPECT_NE(m.find("rebuild"), std::string::npos) << m;
    EXPECT_TRUE(reg.plugins().empty());
}

TEST(PluginRegistry, RefusesAnotherToolchain) {
    PluginRegistry reg;
    EXPECT_FALSE(reg.load_file(SPINE_BAD_TOOLCHAIN_SO));
    ASSERT_EQ(reg.refusals().size(), 1u);
    const std::string m = message(reg.refusals()[0]);
    // Each key that differs is named with both values; keys the plugin lacks say "none".
    const std::string gcc = std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__);
    EXPECT_NE(m.find("gcc: plugin 1.0, host " + gcc), std::string::npos) << m;
    EXPECT_NE(m.find("cxx11abi: plugin 0, host 1"), std::string::npos) << m;
    EXPECT_NE(m.find("opencv: plugin 2.4.0, host " CV_VERSION), std::string::npos) << m;
    EXPECT_NE(m.find("spdlog: plugin none, host "), std::string::npos) << m;
    EXPECT_NE(m.find("fmt: plugin none, host "), std::string::npos) << m;
    EXPECT_NE(m.find("gcc=1.0;cxx11abi=0"), std::string::npos) << m;
    EXPECT_NE(m.find(PORTRAIT_TOOLCHAIN), std::string::npos) << m;
}

TEST(PluginRegistry, ToolchainFingerprintNamesTheLibrariesThatCrossTheBoundary) {
    const std::string t = PORTRAIT_TOOLCHAIN;
    for (const char* key : {"gcc=", ";cxx11abi=", ";std=", ";opencv=", ";spdlog=", ";fmt="})
        EXPECT_NE(t.find(key), std::string::npos) << key << " in " << t;
}

TEST(PluginRegistry, RefusesALibraryWithoutTheEntryPoint) {
    PluginRegistry reg;
    EXPECT_FALSE(reg.load_file(SPINE_NOT_A_PLUGIN_SO));
    ASSERT_EQ(reg.refusals().size(), 1u);
    const std::string m = message(reg.refusals()[0]);
    EXPECT_NE(m.find(SPINE_NOT_A_PLUGIN_SO), std::string::npos) << m;
    EXPECT_NE(m.find("not a portrait plugin"), std::string::npos) << m;
    EXPECT_NE(m.find("portrait_plugin_entry"), std::string::npos) << m;
}

TEST(PluginRegistry, RefusesATextFileNamedSo) {
    spine::TempDir tmp;
    const fs::path fake = tmp / "x.so";
    spine::write_text(fake, "this is not a shared library\n");
    PluginRegistry reg;
    EXPECT_FALSE(reg.load_file(fake));
    ASSERT_EQ(reg.refusals().size(), 1u);
    const std::string m = message(reg.refusals()[0]);
    EXPECT_NE(m.find(fake.string()), std::string::npos) << m;
    EXPECT_NE(m.find("not loadable"), std::string::npos) << m;
}

TEST(PluginRegistry, RefusesADuplicateStageNameWithBothPaths) {
    PluginRegistry reg;
    ASSERT_TRUE(reg.load_file(SPINE_STAGES_SO));
    EXPECT_FALSE(reg.load_file(SPINE_DUPLICATE_SO));
    ASSERT_EQ(reg.refusals().size(), 1u);
    const std::string m = message(reg.refusals()[0]);
    EXPECT_NE(m.find(SPINE_DUPLICATE_SO), std::string::npos) << m;
    EXPECT_NE(m.find(canonical(SPINE_STAGES_SO).string()), std::string::npos) << m;
    EXPECT_NE(m.find("'spine_rect'"), std::string::npos) << m;
    // The first one stays.
    EXPECT_EQ(reg.find("spine_rect")->plugin->name, "spine_stages");
}

TEST(PluginRegistry, RefusesAPluginWhoseRegistrationThrowsAndKeepsNoneOfItsStages) {
    PluginRegistry reg;
    EXPECT_FALSE(reg.load_file(SPINE_REGISTER_THROWS_SO));
    ASSERT_EQ(reg.refusals().size(), 1u);
    EXPECT_NE(reg.refusals()[0].reason.find("spine_register_throws: cannot register"), std::string::npos);
    EXPECT_EQ(reg.find("spine_half_registered"), nullptr);
}

TEST(PluginRegistry, AFolderOfBadFilesDoesNotStopTheGoodOne) {
    spine::TempDir tmp;
    // Sorted load order: every bad file but the duplicate comes before the good plugin.
    fs::copy_file(SPINE_ABI999_SO, tmp / "a_abi999.so");
    fs::copy_file(SPINE_BAD_TOOLCHAIN_SO, tmp / "b_toolchain.so");
    fs::copy_file(SPINE_NOT_A_PLUGIN_SO, tmp / "c_not_a_plugin.so");
    fs::copy_file(SPINE_REGISTER_THROWS_SO, tmp / "d_register_throws.so");
    fs::copy_file(SPINE_STAGES_SO, tmp / "m_spine_stages.so");
    fs::copy_file(SPINE_DUPLICATE_SO, tmp / "w_duplicate.so");
    spine::write_text(tmp / "x.so", "text\n");
    spine::write_text(tmp / "readme.txt", "not a .so: not even looked at\n");
    fs::create_directory(tmp / "folder.so");  // a folder named .so: skipped

    PluginRegistry reg;
    reg.load_directory(tmp.path());
    ASSERT_EQ(reg.plugins().size(), 1u);
    EXPECT_EQ(reg.plugins()[0]->path, fs::weakly_canonical(tmp / "m_spine_stages.so"));
    EXPECT_NE(reg.find("spine_rect"), nullptr);
    EXPECT_NE(reg.find("spine_warp"), nullptr);
    std::vector<std::string> refused;
    for (const auto& r : reg.refusals()) refused.push_back(r.path.filename().string());
    EXPECT_EQ(refused, (std::vector<std::string>{"a_abi999.so", "b_toolchain.so", "c_not_a_plugin.so",
                                                 "d_register_throws.so", "w_duplicate.so", "x.so"}));
}

TEST(PluginRegistry, AFolderIsIndexedAndEachPluginLoadsOnItsFirstLookup) {
    spine::TempDir tmp;
    fs::copy_file(SPINE_STAGES_SO, tmp / "a_spine_stages.so");
    fs::copy_file(SPINE_DUPLICATE_SO, tmp / "b_duplicate.so");
    for (int pass = 0; pass < 2; ++pass) {  // the scan child first, then the scan cache
        SCOPED_TRACE(pass == 0 ? "scanned" : "from the scan cache");
        PluginRegistry reg;
        reg.load_directory(tmp.path());
        EXPECT_TRUE(reg.loaded_plugins().empty());
        // Indexed, not loaded: names are known, and the duplicate is refused already.
        const auto names = reg.stage_names();
        EXPECT_NE(std::find(names.begin(), names.end(), "spine_rect"), names.end());
        ASSERT_EQ(reg.refusals().size(), 1u);
        EXPECT_EQ(reg.refusals()[0].path.filename(), "b_duplicate.so");
        EXPECT_NE(reg.refusals()[0].reason.find("already provided by"), std::string::npos);
        ASSERT_NE(reg.find("spine_rect"), nullptr);
        ASSERT_EQ(reg.loaded_plugins().size(), 1u);
        EXPECT_EQ(reg.loaded_plugins()[0]->path, fs::weakly_canonical(tmp / "a_spine_stages.so"));
        EXPECT_NE(reg.find("spine_warp"), nullptr);  // same file: not loaded twice
        EXPECT_EQ(reg.loaded_plugins().size(), 1u);
        EXPECT_EQ(reg.find("no_such_stage"), nullptr);
    }
}

TEST(PluginRegistry, AMissingFolderIsNotAnError) {
    PluginRegistry reg;
    reg.load_directory("/nonexistent/portrait/plugins");
    EXPECT_TRUE(reg.refusals().empty());
    EXPECT_TRUE(reg.plugins().empty());
}

TEST(PluginRegistry, SearchPathIsTheOwnFolderThenTheEnvironmentNeverTheCurrentFolder) {
    ::setenv("PORTRAIT_PLUGIN_PATH", "/a/b::/c", 1);
    const auto dirs = PluginRegistry::default_search_path();
    ::unsetenv("PORTRAIT_PLUGIN_PATH");
    ASSERT_EQ(dirs.size(), 3u);
    EXPECT_EQ(dirs[0].filename(), "plugins");
    EXPECT_EQ(dirs[0].parent_path().filename(), "portrait");
    EXPECT_EQ(dirs[1], "/a/b");
    EXPECT_EQ(dirs[2], "/c");
    for (const auto& d : dirs) EXPECT_NE(d, fs::path("."));
}
