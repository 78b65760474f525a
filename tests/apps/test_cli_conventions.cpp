// The conventions of the command lines people know (GNU, git, ImageMagick): real value
// names in the help, `portrait help CMD`, "did you mean" for a mistyped command or option,
// extra arguments refused, -q/-v/--help before or after the command, a bash completion
// that completes, and a man page that man renders without a warning.
#include <gtest/gtest.h>

#include <cstdio>
#include <regex>

#include "cli_test_util.hpp"

namespace fs = std::filesystem;
using cli::contains;

namespace {

class Conventions : public ::testing::Test {
protected:
    cli::TempDir tmp;
    cli::Env env{tmp / "cache", tmp / "tmp", {}};
    cli::Result run(const std::vector<std::string>& args) { return cli::portrait(args, env); }
};

struct Shell {
    int code = -1;
    std::string out;
};

// `command` under sh, stdout and stderr together.
Shell shell(const std::string& command) {
    Shell s;
    FILE* p = popen((command + " 2>&1").c_str(), "r");
    if (!p) return s;
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) s.out.append(buf, n);
    const int status = pclose(p);
    s.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return s;
}

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

const std::vector<std::vector<std::string>> kCommands = {
    {"run"},           {"validate"},   {"plugins"},    {"describe"},       {"help"},          {"completion"},
    {"models", "list"}, {"models", "path"}, {"models", "fetch"}, {"models", "convert"}, {"models", "pack"}};

}  // namespace

TEST_F(Conventions, HelpNamesValuesAndHelpCommandMatchesDashDashHelp) {
    const std::regex boost_arg("\\barg\\b|\\[ --");  // Boost's "--output arg", "-o [ --output ]"
    for (const auto& words : kCommands) {
        std::vector<std::string> dashed = words;
        dashed.push_back("--help");
        std::vector<std::string> help{"help"};
        help.insert(help.end(), words.begin(), words.end());
        const cli::Result a = run(dashed), b = run(help);
        SCOPED_TRACE(words.back());
        EXPECT_EQ(a.code, 0) << a.err;
        EXPECT_EQ(b.code, 0) << b.err;
        EXPECT_EQ(a.out, b.out);
        EXPECT_EQ(a.err, "");
        EXPECT_FALSE(std::regex_search(a.out, boost_arg)) << a.out;
        for (const auto& line : {std::string("  -h, --help"), std::string("  -q, --quiet"), std::string("  -v, --verbose")})
            EXPECT_TRUE(contains(a.out, line)) << a.out;
    }
    const cli::Result r = run({"run", "--help"});
    EXPECT_TRUE(contains(r.out, "  -o, --output DIR ")) << r.out;
    EXPECT_TRUE(contains(r.out, "      --report FILE ")) << r.out;
    EXPECT_TRUE(contains(r.out, "(default: auto)")) << r.out;
    EXPECT_EQ(run({"help"}).out, run({"--help"}).out);
    EXPECT_EQ(run({"--help", "run"}).out, r.out) << "as git: --help before a command is its help";
    EXPECT_TRUE(contains(run({"--help"}).out, "      --log-level LEVEL")) << run({"--help"}).out;
}

TEST_F(Conventions, DidYouMeanForCommandsAndOptions) {
    auto r = run({"rn", "x"});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(contains(r.err, "unknown command 'rn' (did you mean 'run'?)")) << r.err;
    EXPECT_TRUE(contains(r.err, "Try 'portrait --help'")) << r.err;
    r = run({"run", "--outptu", "x"});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(contains(r.err, "unknown option '--outptu' (did you mean '--output'?)")) << r.err;
    EXPECT_TRUE(contains(r.err, "Try 'portrait run --help'")) << r.err;
    r = run({"--verbos", "plugins"});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(contains(r.err, "unknown option '--verbos' (did you mean '--verbose'?)")) << r.err;
    r = run({"models", "fecth", "x"});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(contains(r.err, "(did you mean 'fetch'?)")) << r.err;
    r = run({"help", "valdate"});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(contains(r.err, "(did you mean 'validate'?)")) << r.err;
    r = run({"run", "--log-level", "debug"});
    EXPECT_EQ(r.code, 2);
    EXPECT_TRUE(contains(r.err, "--log-level is a global option, it goes before the command")) << r.err;
}

TEST_F(Conventions, ExtraArgumentsAndMissingOnesPointToTheHelp) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"plugins", "extra"}, {"describe", "spine_rect", "extra"},
          {"validate", "a.yaml", "extra"}, {"models", "list", "extra"}, {"completion", "bash", "extra"}}) {
        const cli::Result r = run(args);
        SCOPED_TRACE(args[0]);
        EXPECT_EQ(r.code, 2);
        EXPECT_TRUE(contains(r.err, "unexpected argument 'extra'")) << r.err;
        EXPECT_EQ(r.out, "");
    }
    const cli::Result r = run({"run"});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "portrait run: no input images given\nTry 'portrait run --help' for more information.\n");
    EXPECT_EQ(r.out, "");
}

TEST_F(Conventions, QuietAndVerboseBeforeOrAfterTheCommand) {
    const fs::path p = tmp / "p.yaml";
    cli::write_text(p, "stages:\n  - stage: spine_rect\n");
    for (const auto& args : {std::vector<std::string>{"-q", "validate", p.string()},
                             std::vector<std::string>{"validate", p.string(), "-q"},
                             std::vector<std::string>{"validate", "--quiet", p.string()}}) {
        const cli::Result r = run(args);
        EXPECT_EQ(r.code, 0) << r.err;
        EXPECT_EQ(r.out, "") << "quiet: the exit status says it";
        EXPECT_EQ(r.err, "");
    }
    for (const auto& args : {std::vector<std::string>{"-v", "plugins"}, std::vector<std::string>{"plugins", "-v"}}) {
        const cli::Result r = run(args);
        EXPECT_EQ(r.code, 0) << r.err;
        EXPECT_TRUE(contains(r.err, "[debug] portrait: loaded plugin spine_stages")) << r.err;
    }
    // The last of -q and -v wins, wherever they are.
    EXPECT_TRUE(contains(run({"plugins", "-q", "-v"}).err, "[debug]"));
    EXPECT_EQ(run({"plugins", "-v", "-q"}).err, "");
    EXPECT_EQ(run({"-v", "plugins", "-q"}).err, "");
}

TEST_F(Conventions, BashCompletionCompletesCommandsOptionsAndValues) {
    const cli::Result script = run({"completion", "bash"});
    ASSERT_EQ(script.code, 0) << script.err;
    const fs::path file = tmp / "portrait.bash";
    cli::write_text(file, script.out);
    const Shell syntax = shell("bash -n " + quote(file.string()));
    EXPECT_EQ(syntax.code, 0) << syntax.out;
    // COMP_WORDS as bash fills them for the line typed so far, cursor on the last word.
    auto complete = [&](const std::string& words) {
        return shell("bash -c " + quote("source " + quote(file.string()) + "; COMP_WORDS=(" + words +
                                        "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _portrait; "
                                        "printf '%s\\n' \"${COMPREPLY[@]}\""))
            .out;
    };
    EXPECT_EQ(complete("portrait ru"), "run\n");
    EXPECT_EQ(complete("portrait -q val"), "validate\n");
    EXPECT_EQ(complete("portrait run a.jpg --out"), "--output\n");
    EXPECT_EQ(complete("portrait run --progress ''"), "auto\nalways\nnever\n");
    EXPECT_EQ(complete("portrait --log-level w"), "warn\n");
    EXPECT_EQ(complete("portrait models f"), "fetch\n");
    EXPECT_EQ(complete("portrait models fetch --att"), "--attempts\n");
    EXPECT_EQ(complete("portrait help mo"), "models\n");
    fs::create_directories(tmp / "somewhere-dir");
    EXPECT_EQ(complete("portrait run a.jpg -o " + quote((tmp / "somewhere-d").string())),
              (tmp / "somewhere-dir").string() + "\n");
    EXPECT_EQ(complete("portrait completion ''"), "bash\n");
}

TEST_F(Conventions, ManPageRendersWithoutWarnings) {
    const cli::Result page = run({"help", "--man"});
    ASSERT_EQ(page.code, 0) << page.err;
    const fs::path file = tmp / "portrait.1";
    cli::write_text(file, page.out);
    if (shell("command -v groff").code != 0) GTEST_SKIP() << "groff missing (apt-get install groff-base)";
    const Shell groff = shell("groff -man -Tutf8 -wall -z " + quote(file.string()));
    EXPECT_EQ(groff.code, 0);
    EXPECT_EQ(groff.out, "") << "groff's warnings";
    if (shell("command -v man").code != 0) GTEST_SKIP() << "man missing (apt-get install man-db)";
    const Shell man = shell("MANWIDTH=80 man --warnings -l " + quote(file.string()));
    EXPECT_EQ(man.code, 0) << man.out;
    for (const char* expected : {"portrait run", "-o, --output DIR", "portrait models fetch", "--attempts ATTEMPTS",
                                 "EXIT STATUS", "PORTRAIT_PLUGIN_PATH", "--log-level LEVEL"})
        EXPECT_TRUE(contains(man.out, expected)) << expected << "\n" << man.out;
    EXPECT_FALSE(contains(man.out, "troff:")) << "groff's warnings, as man passes them on:\n" << man.out;
}
