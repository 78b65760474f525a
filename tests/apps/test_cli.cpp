// The portrait CLI as a user meets it: --help/--version, exit codes, configuration
// errors with file:line:column, overrides, `validate` without images or models, inputs
// never overwritten, plugin refusals shown.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include <sstream>

#include "cli_test_util.hpp"
#include "portrait/version.hpp"

namespace fs = std::filesystem;
using cli::contains;

namespace {

class Cli : public ::testing::Test {
protected:
    cli::TempDir tmp;
    cli::Env env{tmp / "cache", tmp / "tmp", {}};
    fs::path in() const { return tmp / "in"; }
    fs::path out() const { return tmp / "out"; }

    cli::Result run(const std::vector<std::string>& args) { return cli::portrait(args, env); }
    fs::path pipeline(const std::string& name, const std::string& yaml) {
        const fs::path p = tmp / name;
        cli::write_text(p, yaml);
        return p;
    }
    void image(const std::string& name, cv::Scalar colour, cv::Size size = {64, 48}) {
        fs::create_directories(in());
        ASSERT_TRUE(cv::imwrite((in() / name).string(), cv::Mat(size, CV_8UC3, colour)));
    }
    cv::Vec3b pixel(const fs::path& file, int x, int y) {
        const cv::Mat m = cv::imread(file.string(), cv::IMREAD_COLOR);
        EXPECT_FALSE(m.empty()) << file;
        return m.empty() ? cv::Vec3b() : m.at<cv::Vec3b>(y, x);
    }
};

// Two rectangles: "paint" (x 16..31, y 12..23 of 64x48) on, "corner" (x 48.., y 36..) off.
const char* kTwoRects =
    "version: 1\n"
    "resources: {max_size: 0}\n"
    "stages:\n"
    "  - stage: spine_rect\n"
    "    id: paint\n"
    "    params: {value: 200}\n"
    "  - stage: spine_rect\n"
    "    id: corner\n"
    "    enabled: false\n"
    "    params: {x0: 0.75, y0: 0.75, x1: 1.0, y1: 1.0, value: 10}\n";

}  // namespace

TEST_F(Cli, HelpAndVersionGoToStdoutWithExitZero) {
    auto r = run({"--help"});
    EXPECT_EQ(r.code, 0);
    EXPECT_TRUE(contains(r.out, "usage: portrait")) << r.out;
    EXPECT_TRUE(contains(r.out, "Exit status")) << r.out;
    EXPECT_EQ(r.err, "");

    r = run({"--version"});
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.out.substr(0, r.out.find('\n')), std::string("portrait ") + PORTRAIT_VERSION_STRING);
    EXPECT_EQ(r.err, "");
    // --version ignores whatever follows.
    r = run({"--version", "run", "--no-such-option"});
    EXPECT_EQ(r.code, 0);
    EXPECT_TRUE(contains(r.out, PORTRAIT_VERSION_STRING));

    for (const char* cmd : {"run", "validate", "plugins", "describe"}) {
        r = run({cmd, "--help"});
        EXPECT_EQ(r.code, 0) << cmd;
        EXPECT_TRUE(contains(r.out, std::string("usage: portrait ") + cmd)) << cmd << ": " << r.out;
    }
}

TEST_F(Cli, UsageErrorsExitTwo) {
    auto r = run({});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(contains(r.err, "usage: portrait"));
    EXPECT_EQ(run({"frobnicate"}).code, 2);
    EXPECT_EQ(run({"--log-level", "loud", "plugins"}).code, 2);
    r = run({"run", "--no-such-option"});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(contains(r.err, "no-such-option")) << r.err;
    image("a.png", {1, 2, 3});
    r = run({"run", (in() / "a.png").string(), "-p", pipeline("p.yaml", kTwoRects).string()});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(contains(r.err, "-o")) << r.err;
    r = run({"run", (tmp / "missing.png").string(), "-o", out().string(), "-p", (tmp / "p.yaml").string()});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(contains(r.err, "missing.png")) << r.err;
    EXPECT_EQ(run({"describe", "spine_rekt"}).code, 2);
}

TEST_F(Cli, ConfigurationErrorsExitTwoWithFileLineColumn) {
    const fs::path bad = pipeline("bad.yaml", "version: 1\nstages:\n  - stage: spine_rekt\n");
    auto r = run({"validate", bad.string()});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(contains(r.err, bad.string() + ":3:12: unknown stage 'spine_rekt' (did you mean 'spine_rect'?)"))
        << r.err;
    EXPECT_EQ(r.out, "");

    image("a.png", {1, 2, 3});
    const fs::path typo = pipeline("typo.yaml", "stages:\n  - stage: spine_rect\n    params:\n      valeu: 3\n");
    r = run({"run", in().string(), "-o", out().string(), "-p", typo.string()});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(contains(r.err, typo.string() + ":4:7: stage 'spine_rect' has no parameter 'valeu'")) << r.err;
    EXPECT_FALSE(fs::exists(out() / "a.png"));

    r = run({"validate", (tmp / "nope.yaml").string()});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(contains(r.err, "nope.yaml")) << r.err;
}

TEST_F(Cli, ValidateAnswersQuicklyWithoutImagesOrModels) {
    // spine_needs_model cannot start (its model is missing) and spine_sleep would wait a
    // minute per image: validate starts neither.
    const fs::path p = pipeline("p.yaml",
                                "stages:\n  - stage: spine_needs_model\n  - stage: spine_sleep\n"
                                "    params: {ms: 60000}\n");
    auto r = run({"validate", p.string()});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(r.out, p.string() + ": ok (2 enabled stage(s): spine_needs_model spine_sleep)\n");
    EXPECT_LT(r.seconds, 10.0);
    EXPECT_FALSE(contains(r.err, "spine-test-missing-model")) << r.err;

    // `run` does start them, and stops before any image when one cannot start.
    image("a.png", {1, 2, 3});
    r = run({"run", in().string(), "-o", out().string(), "-p", p.string()});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(contains(r.err, "spine-test-missing-model")) << r.err;
    EXPECT_FALSE(fs::exists(out() / "a.png"));
}

// What the dynamic loader says it opened in the process `pid` (LD_DEBUG=files). Every
// line starts with the pid of the process that wrote it: plugin scan children, which
// may load LibTorch and inherit the parent's LD_DEBUG file, do not count.
std::string libraries_opened(const fs::path& prefix, pid_t pid) {
    std::istringstream in(cli::read_text(prefix.string() + "." + std::to_string(pid)));
    const std::string tag = std::to_string(pid) + ":";
    std::string line, own;
    while (std::getline(in, line)) {
        const std::size_t start = line.find_first_not_of(" \t");
        if (start != std::string::npos && line.compare(start, tag.size(), tag) == 0) own += line + "\n";
    }
    return own;
}

TEST_F(Cli, AToneOnlyPipelineNeverLoadsLibTorch) {
    // A cold scan cache first (every plugin is scanned in a child), then a warm one.
    const fs::path p = pipeline("tone.yaml", "stages:\n  - stage: tone\n    params: {exposure: 0.5}\n");
    image("a.png", {90, 120, 150});
    env.extra["LD_DEBUG"] = "files";
    env.extra["LD_DEBUG_OUTPUT"] = (tmp / "ld").string();
    fs::create_directories(env.tmpdir);
    for (int pass = 0; pass < 2; ++pass) {
        SCOPED_TRACE(pass == 0 ? "cold scan cache" : "warm scan cache");
        for (const std::vector<std::string>& args :
             {std::vector<std::string>{"validate", p.string()},
              std::vector<std::string>{"run", "-q", in().string(), "-o", out().string(), "-p", p.string()}}) {
            const pid_t pid = cli::spawn(PORTRAIT_EXE, args, env, tmp / "o.txt", tmp / "e.txt");
            ASSERT_EQ(cli::wait_child(pid), 0) << cli::read_text(tmp / "e.txt");
            const std::string opened = libraries_opened(tmp / "ld", pid);
            ASSERT_TRUE(contains(opened, "portrait_tone.so")) << "no LD_DEBUG output for " << args[0];
            EXPECT_FALSE(contains(opened, "libtorch")) << args[0] << " loaded LibTorch";
            EXPECT_FALSE(contains(opened, "portrait_gpen.so")) << args[0] << " loaded a plugin it does not name";
        }
    }
    EXPECT_TRUE(fs::exists(out() / "a.png"));

    // A pipeline that names a LibTorch stage does load it (the check above can fail).
    const fs::path g = pipeline("gpen.yaml", "stages:\n  - stage: gpen\n    enabled: false\n");
    const pid_t pid = cli::spawn(PORTRAIT_EXE, {"validate", g.string()}, env, tmp / "o.txt", tmp / "e.txt");
    ASSERT_EQ(cli::wait_child(pid), 0) << cli::read_text(tmp / "e.txt");
    EXPECT_TRUE(contains(libraries_opened(tmp / "ld", pid), "libtorch"));
}

TEST_F(Cli, ExitOneWhenAnImageFailedAndTheOthersAreWritten) {
    image("a.png", {10, 20, 30});
    image("b.png", {7, 20, 30});
    image("c.png", {12, 20, 30});
    const fs::path p = pipeline("p.yaml",
                                "stages:\n  - stage: spine_throw\n    id: boom\n    params: {when_blue: 7}\n");
    auto r = run({"run", in().string(), "-o", out().string(), "-p", p.string(), "--progress", "never"});
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_TRUE(fs::exists(out() / "a.png"));
    EXPECT_TRUE(fs::exists(out() / "c.png"));
    EXPECT_FALSE(fs::exists(out() / "b.png"));
    EXPECT_TRUE(contains(r.err, "stage 'boom' failed")) << r.err;

    fs::remove(in() / "b.png");
    r = run({"run", in().string(), "-o", (tmp / "out2").string(), "-p", p.string(), "--progress", "never"});
    EXPECT_EQ(r.code, 0) << r.err;
}

TEST_F(Cli, SetEnableDisableChangeTheOutputPixels) {
    image("a.png", {50, 60, 70});
    const fs::path p = pipeline("p.yaml", kTwoRects);
    auto go = [&](const std::string& name, std::vector<std::string> extra) {
        std::vector<std::string> args{"run", (in() / "a.png").string(), "-o", (tmp / name).string(), "-p",
                                      p.string(), "--progress", "never"};
        args.insert(args.end(), extra.begin(), extra.end());
        auto r = run(args);
        EXPECT_EQ(r.code, 0) << name << ": " << r.err;
        return tmp / name / "a.png";
    };
    fs::path f = go("plain", {});
    EXPECT_EQ(pixel(f, 20, 15), cv::Vec3b(200, 200, 200));
    EXPECT_EQ(pixel(f, 60, 45), cv::Vec3b(50, 60, 70));
    f = go("set", {"--set", "paint.value=17"});
    EXPECT_EQ(pixel(f, 20, 15), cv::Vec3b(17, 17, 17));
    f = go("disable", {"--disable", "paint"});
    EXPECT_EQ(pixel(f, 20, 15), cv::Vec3b(50, 60, 70));
    f = go("enable", {"--enable", "corner", "--set", "corner.value=33"});
    EXPECT_EQ(pixel(f, 20, 15), cv::Vec3b(200, 200, 200));
    EXPECT_EQ(pixel(f, 60, 45), cv::Vec3b(33, 33, 33));

    auto r = run({"validate", p.string(), "--enable", "corner", "--disable", "paint"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "ok (1 enabled stage(s): corner)")) << r.out;
    r = run({"validate", p.string(), "--set", "paint.value=300"});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(contains(r.err, "--set paint.value=300: stage 'paint', parameter 'value' = 300 is out of range"))
        << r.err;
    r = run({"validate", p.string(), "--disable", "paitn"});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(contains(r.err, "did you mean 'paint'?")) << r.err;
}

TEST_F(Cli, InputsAreNeverOverwrittenEvenWithOutputIntoTheInputFolder) {
    image("x.png", {50, 60, 70});
    const std::string before = cli::read_text(in() / "x.png");
    const fs::path p = pipeline("p.yaml", kTwoRects);
    auto r = run({"run", in().string(), "-o", in().string(), "-p", p.string(), "--progress", "never"});
    EXPECT_EQ(r.code, 0) << r.err;
    r = run({"run", (in() / "x.png").string(), "-o", in().string(), "-p", p.string(), "--progress", "never"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(cli::read_text(in() / "x.png"), before);
    int images = 0;
    for (const auto& e : fs::directory_iterator(in()))
        if (e.is_regular_file() && e.path().extension() == ".png") {
            ++images;
            if (e.path().filename() != "x.png") {
                EXPECT_EQ(pixel(e.path(), 20, 15), cv::Vec3b(200, 200, 200));
            }
        }
    EXPECT_GE(images, 2);  // the input and at least one output beside it
}

TEST_F(Cli, PluginsListsRefusalsWithFilesAndReasons) {
    auto r = run({"plugins", "--plugin-dir", SPINE_BAD_PLUGIN_DIR});
    EXPECT_EQ(r.code, 0) << r.err;
    const std::string bad = fs::path(SPINE_BAD_PLUGIN_DIR).string();
    EXPECT_TRUE(contains(r.out, "spine_stages 1.0.0")) << r.out;
    EXPECT_TRUE(contains(r.out, "refused " + bad + "/portrait_spine_abi999.so: built for plugin ABI 999, this host has ABI " +
                                    std::to_string(PORTRAIT_PLUGIN_ABI_VERSION)))
        << r.out;
    EXPECT_TRUE(contains(r.out, "refused " + bad + "/portrait_spine_not_a_plugin.so: not a portrait plugin")) << r.out;
    // The duplicate: its own path and the path of the plugin that has the stage already.
    const std::string first = fs::weakly_canonical(fs::path(SPINE_TEST_PLUGIN_DIR) / "portrait_spine_stages.so").string();
    EXPECT_TRUE(contains(r.out, "refused " + bad + "/portrait_spine_duplicate.so: stage 'spine_rect' is already provided by " +
                                    first))
        << r.out;

    r = run({"describe", "spine_types"});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(contains(r.out, "mode (choice, default fast, one of fast, quality, auto)")) << r.out;
    EXPECT_TRUE(contains(r.out, "radius (int, default 3, range 1 .. 10)")) << r.out;
}
