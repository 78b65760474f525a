// Exit codes as --help states them: 2 only for usage and configuration found before any
// image is read (an -o that is a file or cannot be made), 1 when images failed or the
// batch's report could not be written after the images were, 130/143 for SIGINT/SIGTERM.
#include <gtest/gtest.h>

#include <cctype>

#include <opencv2/imgcodecs.hpp>

#include "cli_test_util.hpp"

namespace fs = std::filesystem;
using cli::contains;

namespace {

class CliExit : public ::testing::Test {
protected:
    cli::TempDir tmp;
    cli::Env env{tmp / "cache", tmp / "tmp", {}};

    void SetUp() override {
        fs::create_directories(tmp / "in");
        for (const char* name : {"a.png", "b.png"})
            ASSERT_TRUE(cv::imwrite((tmp / "in" / name).string(), cv::Mat(48, 64, CV_8UC3, cv::Scalar(1, 2, 3))));
        cli::write_text(tmp / "p.yaml", "stages:\n  - stage: spine_rect\n");
    }
    cli::Result run(const fs::path& out, const std::vector<std::string>& extra = {}) {
        std::vector<std::string> args{"-q", "run", (tmp / "in").string(), "-o", out.string(), "-p",
                                      (tmp / "p.yaml").string(), "--progress", "never"};
        args.insert(args.end(), extra.begin(), extra.end());
        return cli::portrait(args, env);
    }
};

}  // namespace

TEST_F(CliExit, HelpStatesEveryExitCode) {
    const auto r = cli::portrait({"--help"}, env);
    ASSERT_EQ(r.code, 0);
    // The help is wrapped at 80 columns: compared with runs of blanks as one space.
    auto squeezed = [](const std::string& s) {
        std::string out;
        for (char c : s)
            if (!(std::isspace(static_cast<unsigned char>(c)) && !out.empty() && out.back() == ' '))
                out += std::isspace(static_cast<unsigned char>(c)) ? ' ' : c;
        return out;
    };
    for (const char* line :
         {" 0 success ",
          " 1 some images failed (the others were written), or the report could not be written ",
          " 2 usage or configuration error, found before any image was read",
          " 130 stopped by Ctrl-C (SIGINT): images in flight finished or dropped, report written ",
          " 143 stopped by SIGTERM, the same way (during 'run'); a second signal exits at once "})
        EXPECT_TRUE(contains(squeezed(r.out), line)) << line << "\n" << r.out;
    const auto run_help = cli::portrait({"run", "--help"}, env);
    EXPECT_TRUE(contains(run_help.out, "or the report could not be written")) << run_help.out;
    EXPECT_TRUE(contains(run_help.out, "143 stopped by SIGTERM")) << run_help.out;
}

TEST_F(CliExit, OutputThatIsAFileIsAUsageErrorBeforeAnyImage) {
    cli::write_text(tmp / "taken", "a file, not a folder");
    auto r = run(tmp / "taken");
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(r.err, "portrait run: -o " + (tmp / "taken").string() + ": exists and is not a folder\n");
    EXPECT_EQ(cli::read_text(tmp / "taken"), "a file, not a folder");

    // A folder that cannot be made (its parent is a file): the same, nothing made.
    r = run(tmp / "taken" / "out");
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_EQ(r.err, "portrait run: -o " + (tmp / "taken" / "out").string() +
                         ": cannot create the folder: Not a directory\n");
}

TEST_F(CliExit, AReportThatCannotBeWrittenAfterTheImagesIsExitOne) {
    // The report's folder is a file: the images are written, the report is not.
    cli::write_text(tmp / "taken", "x");
    const fs::path report = tmp / "taken" / "r.json";
    auto r = run(tmp / "out", {"--report", report.string(), "--report", (tmp / "r.html").string()});
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_EQ(r.err, "portrait run: report not written: " + report.string() + ": cannot write: Not a directory\n");
    EXPECT_TRUE(fs::exists(tmp / "out" / "a.png"));
    EXPECT_TRUE(fs::exists(tmp / "out" / "b.png"));
    EXPECT_TRUE(fs::exists(tmp / "r.html")) << "the other report is still written";
}

TEST_F(CliExit, AReportOnAFullDiskIsExitOneAndLeavesNoPartialFile) {
    // Files may grow to 1 KiB: the images (a few hundred bytes) fit, the JSON report does not.
    env.file_size_limit = 1024;
    const fs::path report = tmp / "rep" / "r.json";
    auto r = run(tmp / "out", {"--report", report.string()});
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_EQ(r.err, "portrait run: report not written: " + report.string() +
                         ": cannot write: file too large (file size limit)\n");
    ASSERT_TRUE(fs::exists(tmp / "out" / "a.png"));
    EXPECT_LT(fs::file_size(tmp / "out" / "a.png"), 1024u);
    EXPECT_FALSE(fs::exists(report));
    EXPECT_TRUE(fs::is_empty(tmp / "rep")) << "no temp file left beside the report";

    // Without the limit the same run reports, exit 0 (the report is bigger than the limit).
    env.file_size_limit = -1;
    r = run(tmp / "out2", {"--report", report.string()});
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_GT(fs::file_size(report), 1024u);
}
