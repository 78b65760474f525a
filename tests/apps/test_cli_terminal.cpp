// The terminal as a user sees it during `portrait run`: the progress bar fits the width
// (it never wraps, so each redraw replaces the last), every log message starts on a line
// of its own with the bar drawn again below it, libpng's warning about the astronaut's
// sRGB profile never reaches the screen at the default level, and -q leaves only errors.
// The real CLI runs on a pseudo-terminal; the screen is what a terminal of that width shows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "cli_test_util.hpp"
#include "portrait/runtime/progress.hpp"
#include "pty_terminal.hpp"

namespace fs = std::filesystem;
using cli::contains;

namespace {

const fs::path kAstronaut = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png";

class Terminal : public ::testing::Test {
protected:
    cli::TempDir tmp;
    cli::Env env{tmp / "cache", tmp / "tmp", {}};
    fs::path in() const { return tmp / "in"; }
    fs::path broken() const { return in() / "zz-broken.png"; }

    void SetUp() override {
        if (!fs::exists(kAstronaut)) GTEST_SKIP() << kAstronaut << " missing (apt-get install python3-skimage)";
        fs::create_directories(in());
        // 30 copies of a real portrait whose iCCP profile libpng calls "known incorrect".
        for (int i = 1; i <= 30; ++i) {
            char name[32];
            std::snprintf(name, sizeof name, "a%02d.png", i);
            fs::copy_file(kAstronaut, in() / name);
        }
        // Its header is whole, its pixel data cut: it fails while decoding, mid-batch.
        const std::string bytes = cli::read_text(kAstronaut);
        cli::write_text(broken(), bytes.substr(0, 20000));
        // Each image waits a little (and logs that it does, at info): the bar is redrawn
        // between the messages.
        cli::write_text(tmp / "p.yaml", "stages:\n  - stage: spine_sleep\n    params: {ms: 30}\n");
    }
    std::vector<std::string> run_args(const std::string& out) const {
        return {"run", in().string(), "-o", (tmp / out).string(), "-p", (tmp / "p.yaml").string(), "--workers", "2"};
    }
};

std::vector<std::string> with(std::vector<std::string> args, const std::vector<std::string>& more, bool front) {
    args.insert(front ? args.begin() : args.end(), more.begin(), more.end());
    return args;
}

bool is_log_line_start(const std::string& s, std::size_t at) {
    for (const char* level : {"[trace]", "[debug]", "[info]", "[warning]", "[error]", "[critical]"})
        if (s.compare(at, std::strlen(level), level) == 0) return true;
    return false;
}

}  // namespace

TEST_F(Terminal, BarFitsTheWidthAndMessagesStartAtColumnZero) {
    for (int columns : {60, 80, 30}) {
        SCOPED_TRACE("columns " + std::to_string(columns));
        const cli::PtyResult r = cli::portrait_in_pty(run_args("out" + std::to_string(columns)), env, columns);
        EXPECT_EQ(r.code, 1) << "one image failed";
        EXPECT_FALSE(contains(r.raw, "libpng warning")) << "libpng's own printout reached the terminal";
        EXPECT_FALSE(contains(r.raw, "iCCP")) << "the sRGB profile note is for -v only";

        int bars = 0;
        for (const auto& d : cli::redraws(r.raw)) {
            if (!contains(d, "img/s")) continue;
            ++bars;
            EXPECT_LE(int(d.size()), columns - 1) << "a bar that wraps cannot be redrawn in place: '" << d << "'";
        }
        EXPECT_GE(bars, 3) << "drawn at the start, while running and at the end";

        const std::vector<std::string> screen = cli::screen_lines(r.raw, columns);
        std::string shown;
        for (const auto& l : screen) shown += l + "\n";
        int bar_lines = 0, error_lines = 0;
        std::size_t bar_row = 0;
        for (std::size_t i = 0; i < screen.size(); ++i) {
            const std::string& line = screen[i];
            if (contains(line, "img/s")) {
                ++bar_lines;
                bar_row = i;
            }
            // A message glued to a bar ("...0 skipped[error] ...") would start further right.
            for (const char* level : {"[info]", "[warning]", "[error]"}) {
                const auto at = line.find(level);
                if (at != std::string::npos) {
                    EXPECT_EQ(at, 0u) << "'" << line << "'\n" << shown;
                }
            }
            if (line.rfind("[error]", 0) == 0 && contains(line + screen[std::min(i + 1, screen.size() - 1)], "zz-broken.png"))
                ++error_lines;
        }
        EXPECT_EQ(bar_lines, 1) << "only the final bar stays on screen:\n" << shown;
        EXPECT_EQ(error_lines, 1) << shown;
        ASSERT_LT(bar_row + 1, screen.size()) << shown;
        EXPECT_TRUE(contains(screen[bar_row], "31/31") && contains(screen[bar_row], "took")) << shown;
        EXPECT_EQ(screen[bar_row + 1].rfind("[info] portrait: 30 image(s)", 0), 0u)
            << "the summary below the final bar:\n" << shown;
        if (columns == 80) {
            EXPECT_EQ(screen[bar_row].rfind("[####", 0), 0u) << "a bar graphic fits at 80";
            EXPECT_TRUE(contains(screen[bar_row], "1 failed, 0 skipped")) << "the whole text fits at 80";
        }
    }
}

TEST_F(Terminal, QuietPrintsNothingOnSuccessAndOnlyErrorsOnFailure) {
    fs::rename(broken(), tmp / "broken.png");  // out of the batch
    for (bool front : {true, false}) {
        SCOPED_TRACE(front ? "portrait -q run" : "portrait run ... -q");
        const cli::PtyResult r =
            cli::portrait_in_pty(with(run_args(front ? "q1" : "q2"), {"-q"}, front), env, 80);
        EXPECT_EQ(r.code, 0);
        EXPECT_EQ(r.raw, "") << "no bar, no count, no warning, no summary";
    }
    fs::rename(tmp / "broken.png", broken());
    for (bool front : {true, false}) {
        SCOPED_TRACE(front ? "portrait -q run" : "portrait run ... -q");
        const cli::Result r = cli::portrait(with(run_args(front ? "q3" : "q4"), {"-q"}, front), env);
        EXPECT_EQ(r.code, 1);
        EXPECT_EQ(r.out, "");
        int errors = 0;
        std::size_t at = 0;
        while (at < r.err.size()) {
            const std::size_t end = r.err.find('\n', at);
            const std::string line = r.err.substr(at, end - at);
            EXPECT_TRUE(is_log_line_start(line, 0) && line.rfind("[error]", 0) == 0) << "'" << line << "'";
            if (contains(line, "zz-broken.png")) ++errors;
            at = end == std::string::npos ? r.err.size() : end + 1;
        }
        EXPECT_EQ(errors, 1) << r.err;
    }
}

TEST_F(Terminal, LibpngWarningsGoThroughTheLogAtTheirLevel) {
    fs::remove(broken());
    const cli::Result quiet = cli::portrait(with(run_args("d1"), {"--progress", "never"}, false), env);
    EXPECT_EQ(quiet.code, 0) << quiet.err;
    EXPECT_FALSE(contains(quiet.err, "libpng")) << quiet.err;
    EXPECT_FALSE(contains(quiet.err, "iCCP")) << quiet.err;
    for (bool front : {true, false}) {
        const cli::Result verbose =
            cli::portrait(with(run_args(front ? "d2" : "d3"), {"-v"}, front), env);
        EXPECT_EQ(verbose.code, 0) << verbose.err;
        EXPECT_TRUE(contains(verbose.err, "[debug] portrait: " + (in() / "a01.png").string() +
                                              ": libpng: iCCP: known incorrect sRGB profile"))
            << verbose.err;
        EXPECT_FALSE(contains(verbose.err, "libpng warning")) << "libpng's own printout";
    }
}

TEST(ProgressBar, NeverWiderThanTheTerminalLessOne) {
    portrait::ProgressCounts c;
    c.total = 12345;
    for (int done : {0, 17, 12345})
        for (int failed : {0, 3, 1234}) {
            c.done = done;
            c.failed = failed;
            c.skipped = failed / 2;
            c.rate = 123.456;
            c.seconds = done == c.total ? 4000 : 75;
            c.final = done == c.total;
            for (int columns = 1; columns <= 200; ++columns) {
                const std::string line = portrait::Progress::bar_line(c, columns);
                ASSERT_LE(int(line.size()), std::max(0, columns - 1)) << columns << ": '" << line << "'";
                if (columns >= 60 && failed == 0) {
                    EXPECT_EQ(line.rfind("[", 0), 0u) << "a bar graphic at " << columns;
                }
            }
        }
    c = {};
    c.done = 10;
    c.total = 40;
    c.rate = 2;
    c.seconds = 15;
    // 79 characters: 24 cells (6 filled for 10 of 40), the whole text.
    EXPECT_EQ(portrait::Progress::bar_line(c, 80),
              "[######..................] 10/40 (25%) 2.00 img/s, ETA 15s, 0 failed, 0 skipped");
    // The short text with a bar of 10 cells needs 40 columns; 39 leave no bar.
    EXPECT_EQ(portrait::Progress::bar_line(c, 41), "[##........] 10/40 25% 2.0 img/s ETA 15s");
    EXPECT_EQ(portrait::Progress::bar_line(c, 40), "10/40 25% 2.0 img/s ETA 15s");
    EXPECT_EQ(portrait::Progress::bar_line(c, 20), "10/40 25% 2.0 img/s");
}
