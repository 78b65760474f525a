// A pipeline file's plugin_paths run native code, so they load only when the user opts
// in, and then only from files and folders no other user could have written. A refused
// folder's code never runs, not even in the scan child: a plugin's constructor leaves a
// marker file when it runs.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "portrait/runtime/plugin_registry.hpp"
#include "portrait/runtime/plugin_trust.hpp"
#include "spine_test_util.hpp"

namespace fs = std::filesystem;
using portrait::PluginRegistry;

namespace {

struct PipelineFolder {
    spine::TempDir tmp;
    fs::path pipeline = tmp / "p.yaml";
    fs::path plugins = tmp / "plugins";
    fs::path marker = tmp / "marker.txt";
    PipelineFolder() {
        fs::create_directory(plugins);
        fs::permissions(plugins, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                     fs::perms::others_read | fs::perms::others_exec);
        fs::copy_file(fs::path(CRAFTED_PLUGIN_DIR) / "portrait_crafted_ctor_marker.so", plugins / "marker.so");
        fs::copy_file(SPINE_STAGES_SO, plugins / "spine_stages.so");
        spine::write_text(pipeline, "version: 1\nplugin_paths: [plugins]\nstages: []\n");
        ::setenv("PORTRAIT_TEST_MARKER", marker.c_str(), 1);
    }
    ~PipelineFolder() { ::unsetenv("PORTRAIT_TEST_MARKER"); }
    bool code_ran() const { return fs::exists(marker); }
};

}  // namespace

TEST(PipelinePlugins, NotLoadedWithoutOptInAndTheirCodeNeverRuns) {
    PipelineFolder f;
    PluginRegistry reg;
    reg.load_pipeline_folders({f.plugins}, f.pipeline, false);
    EXPECT_TRUE(reg.plugins().empty());
    EXPECT_FALSE(f.code_ran());
    ASSERT_EQ(reg.refusals().size(), 1u);
    EXPECT_EQ(reg.refusals()[0].path, f.plugins);
    const std::string& r = reg.refusals()[0].reason;
    EXPECT_NE(r.find("plugin_paths of " + f.pipeline.string()), std::string::npos) << r;
    EXPECT_NE(r.find("--allow-pipeline-plugins"), std::string::npos) << r;
}

TEST(PipelinePlugins, LoadedWithOptInFromOwnFolders) {
    PipelineFolder f;
    PluginRegistry reg;
    reg.load_pipeline_folders({f.plugins}, f.pipeline, true);
    EXPECT_NE(reg.find("spine_rect"), nullptr);
    EXPECT_NE(reg.find("crafted_stage"), nullptr);
    EXPECT_TRUE(f.code_ran());
    EXPECT_TRUE(reg.refusals().empty());
}

TEST(PipelinePlugins, GroupWritableFolderIsRefusedEvenWithOptIn) {
    PipelineFolder f;
    fs::permissions(f.plugins, fs::perms::group_write, fs::perm_options::add);
    PluginRegistry reg;
    reg.load_pipeline_folders({f.plugins}, f.pipeline, true);
    EXPECT_TRUE(reg.plugins().empty());
    EXPECT_FALSE(f.code_ran());
    ASSERT_EQ(reg.refusals().size(), 1u);
    const std::string& r = reg.refusals()[0].reason;
    EXPECT_NE(r.find(fs::canonical(f.plugins).string() + " can be written by its group (mode 0775)"),
              std::string::npos)
        << r;
}

TEST(PipelinePlugins, WorldWritablePluginFileIsRefusedAndTheOthersLoad) {
    PipelineFolder f;
    fs::permissions(f.plugins / "marker.so", fs::perms::others_write, fs::perm_options::add);
    PluginRegistry reg;
    reg.load_pipeline_folders({f.plugins}, f.pipeline, true);
    EXPECT_FALSE(f.code_ran());
    EXPECT_NE(reg.find("spine_rect"), nullptr);
    ASSERT_EQ(reg.refusals().size(), 1u);
    EXPECT_EQ(reg.refusals()[0].path, f.plugins / "marker.so");
    EXPECT_NE(reg.refusals()[0].reason.find("can be written by anyone"), std::string::npos);
}

TEST(PipelinePlugins, WritablePipelineFileIsRefused) {
    PipelineFolder f;
    fs::permissions(f.pipeline, fs::perms::others_write, fs::perm_options::add);
    PluginRegistry reg;
    reg.load_pipeline_folders({f.plugins}, f.pipeline, true);
    EXPECT_TRUE(reg.plugins().empty());
    EXPECT_FALSE(f.code_ran());
    ASSERT_EQ(reg.refusals().size(), 1u);
    EXPECT_NE(reg.refusals()[0].reason.find(fs::canonical(f.pipeline).string() + " can be written by anyone"),
              std::string::npos);
}

TEST(PipelinePlugins, StickyTmpAboveIsAccepted) {
    // /tmp is world-writable but sticky: nobody can rename what they do not own.
    EXPECT_EQ(portrait::unsafe_ownership("/tmp"), "/tmp can be written by anyone (mode 1777), who could place code "
                                                  "there (chmod go-w /tmp)");
    PipelineFolder f;
    EXPECT_EQ(portrait::unsafe_ownership(f.plugins), "");
}

TEST(PipelinePlugins, EnvironmentOptIn) {
    ::unsetenv("PORTRAIT_ALLOW_PIPELINE_PLUGINS");
    EXPECT_FALSE(portrait::pipeline_plugins_allowed_by_environment());
    ::setenv("PORTRAIT_ALLOW_PIPELINE_PLUGINS", "1", 1);
    EXPECT_TRUE(portrait::pipeline_plugins_allowed_by_environment());
    ::setenv("PORTRAIT_ALLOW_PIPELINE_PLUGINS", "0", 1);
    EXPECT_FALSE(portrait::pipeline_plugins_allowed_by_environment());
    ::unsetenv("PORTRAIT_ALLOW_PIPELINE_PLUGINS");
}

TEST(ExecutableDir, EmptyWhenProcIsMissingNeverTheCurrentFolder) {
    EXPECT_EQ(portrait::executable_dir("/nonexistent/proc/self/exe"), fs::path());
    EXPECT_FALSE(portrait::executable_dir().empty());
}
