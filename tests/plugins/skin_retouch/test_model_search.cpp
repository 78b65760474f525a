// Backend choice and the error for a missing ABPN model, through the built plugin.
#include <gtest/gtest.h>

#include <portrait/modelscope_downloads.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "model_search.hpp"
#include "test_support.hpp"

namespace fs = std::filesystem;
using skin_test::plugin_stage;

namespace {

// Runs each test in an empty HOME / cache / working folder, restoring them afterwards.
class ModelSearch : public ::testing::Test {
protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("skin_search_" + std::to_string(::getpid()) + "_" +
                                             ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(root_);
        fs::create_directories(root_ / "home");
        fs::create_directories(root_ / "work");
        for (const char* k : {"HOME", "PORTRAIT_CACHE", "PORTRAIT_MODELS", "MODELSCOPE_CACHE", "XDG_CACHE_HOME"}) {
            const char* v = std::getenv(k);
            saved_.emplace_back(k, v ? std::optional<std::string>(v) : std::nullopt);
            ::unsetenv(k);
        }
        ::setenv("HOME", (root_ / "home").c_str(), 1);
        ::setenv("PORTRAIT_CACHE", (root_ / "cache").c_str(), 1);
        cwd_ = fs::current_path();
        fs::current_path(root_ / "work");
    }
    void TearDown() override {
        fs::current_path(cwd_);
        for (auto& [k, v] : saved_) {
            if (v)
                ::setenv(k.c_str(), v->c_str(), 1);
            else
                ::unsetenv(k.c_str());
        }
        fs::remove_all(root_);
    }
    static void fake_download(const fs::path& dir) {
        fs::create_directories(dir);
        std::ofstream(dir / "pytorch_model.pt") << "x";
        std::ofstream(dir / "joint_20210926.pth") << "x";
    }
    std::string abpn_error() {
        try {
            plugin_stage("skin_retouch", "skin_retouch", "{backend: abpn}");
        } catch (const std::exception& e) {
            return e.what();
        }
        return {};
    }
    fs::path root_, cwd_;
    std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

}  // namespace

TEST_F(ModelSearch, DownloadFoldersInTheDocumentedOrder) {
    ::setenv("PORTRAIT_MODELS", "/a:/b", 1);
    const auto dirs = portrait::modelscope_download_dirs({"iic/cv_unet_skin-retouching", "damo/cv_unet_skin-retouching"});
    const fs::path hub = root_ / "home" / ".cache" / "modelscope" / "hub";
    const fs::path here = fs::current_path() / "models";
    std::vector<fs::path> want;
    for (const char* org : {"iic", "damo"}) {
        const std::string flat = std::string(org) + "_cv_unet_skin-retouching";
        want.push_back(here / flat);
        want.push_back(hub / org / "cv_unet_skin-retouching");
        want.push_back(hub / "models" / org / "cv_unet_skin-retouching");
        for (const char* d : {"/a", "/b"}) {
            want.push_back(fs::path(d) / flat);
            want.push_back(fs::path(d) / org / "cv_unet_skin-retouching");
        }
    }
    EXPECT_EQ(dirs, want);
    // $MODELSCOPE_CACHE: older ModelScope clients put models right in it, newer ones under hub/;
    // `models fetch` and the host's hints search the same folders (one header).
    ::setenv("MODELSCOPE_CACHE", "/ms", 1);
    const auto ms = portrait::modelscope_download_dirs({"iic/cv_unet_skin-retouching"});
    ASSERT_EQ(ms.size(), 9u);
    EXPECT_EQ(ms[1], fs::path("/ms/iic/cv_unet_skin-retouching"));
    EXPECT_EQ(ms[2], fs::path("/ms/models/iic/cv_unet_skin-retouching"));
    EXPECT_EQ(ms[3], fs::path("/ms/hub/iic/cv_unet_skin-retouching"));
    EXPECT_EQ(ms[4], fs::path("/ms/hub/models/iic/cv_unet_skin-retouching"));
}

TEST_F(ModelSearch, AbpnWithoutAnythingNamesEveryFolderAndTheCommands) {
    if (!fs::exists(skin_test::plugin_file("skin_retouch"))) GTEST_SKIP() << "plugin not built";
    const std::string msg = abpn_error();
    ASSERT_FALSE(msg.empty()) << "backend abpn started without a model";
    // The converted-model folders the locator searched ...
    EXPECT_NE(msg.find((root_ / "cache" / "models" / "skin-retouching").string()), std::string::npos) << msg;
    // ... the catalogue's commands, whole, from the host ...
    EXPECT_NE(msg.find("get it with: portrait models fetch skin-retouching   (downloads ModelScope's "
                       "iic/cv_unet_skin-retouching; or from a download of it: portrait models convert "
                       "skin-retouching SOURCE)"),
              std::string::npos)
        << msg;
    // ... and every place a download of the user's own was looked for.
    EXPECT_NE(msg.find((root_ / "work" / "models" / "iic_cv_unet_skin-retouching").string()), std::string::npos) << msg;
    EXPECT_NE(msg.find((root_ / "home" / ".cache" / "modelscope" / "hub" / "iic" / "cv_unet_skin-retouching").string()),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("damo/cv_unet_skin-retouching"), std::string::npos) << msg;
    EXPECT_NE(msg.find("backend: builtin"), std::string::npos) << msg;
}

TEST_F(ModelSearch, AbpnWithADownloadSaysFetchUsesIt) {
    if (!fs::exists(skin_test::plugin_file("skin_retouch"))) GTEST_SKIP() << "plugin not built";
    const fs::path hub_dir = root_ / "home" / ".cache" / "modelscope" / "hub" / "damo" / "cv_unet_skin-retouching";
    fake_download(hub_dir);
    std::string msg = abpn_error();
    EXPECT_NE(msg.find("get it with: portrait models fetch skin-retouching   (converts your download in " +
                       hub_dir.string() + "; no network needed)"),
              std::string::npos)
        << msg;
    // The folder in the working directory comes first, as in the original tool.
    fake_download(root_ / "work" / "models" / "iic_cv_unet_skin-retouching");
    msg = abpn_error();
    EXPECT_NE(msg.find("converts your download in " + (root_ / "work" / "models" / "iic_cv_unet_skin-retouching").string()),
              std::string::npos)
        << msg;
    // A folder lacking a checkpoint is not taken.
    fs::remove(root_ / "work" / "models" / "iic_cv_unet_skin-retouching" / "joint_20210926.pth");
    msg = abpn_error();
    EXPECT_NE(msg.find("converts your download in " + hub_dir.string()), std::string::npos) << msg;
}

TEST_F(ModelSearch, AutoFallsBackToBuiltinAndSaysSo) {
    if (!fs::exists(skin_test::plugin_file("skin_retouch"))) GTEST_SKIP() << "plugin not built";
    const cv::Mat before(64, 64, CV_8UC3, cv::Scalar(90, 120, 160));
    portrait::Frame f = plugin_stage("skin_retouch", "skin_retouch")->process(before);  // backend auto
    EXPECT_EQ(f.stats.at("skin_retouch.backend_abpn"), 0);
    // No face: the image comes back unchanged, with an empty skin mask.
    EXPECT_EQ(cv::norm(f.image, before, cv::NORM_INF), 0);
    ASSERT_EQ(f.masks.count(portrait::masks::kSkin), 1u);
    EXPECT_EQ(cv::countNonZero(f.masks[portrait::masks::kSkin]), 0);
}

TEST_F(ModelSearch, AbpnStartsWhenTheConvertedModelIsFound) {
    if (!fs::exists(skin_test::plugin_file("skin_retouch"))) GTEST_SKIP() << "plugin not built";
    // PORTRAIT_CACHE points at the empty test folder; recipe_models() builds into the build tree.
    std::string why;
    fs::current_path(cwd_);
    const fs::path models = skin_test::recipe_models(&why);
    fs::current_path(root_ / "work");
    if (models.empty()) GTEST_SKIP() << why;
    ::setenv("PORTRAIT_MODELS", models.c_str(), 1);
    const portrait::Frame f = plugin_stage("skin_retouch", "skin_retouch")  // auto finds it now
                                  ->process(cv::Mat(64, 64, CV_8UC3, cv::Scalar(90, 120, 160)));
    EXPECT_EQ(f.stats.at("skin_retouch.backend_abpn"), 1);
}
