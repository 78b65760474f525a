// Every kind of pipeline mistake is reported before anything runs, as
// "file:line:column: message", with the closest name where one was misspelled.
#include <gtest/gtest.h>

#include <string>

#include "portrait/runtime/errors.hpp"
#include "portrait/runtime/pipeline.hpp"
#include "spine_test_util.hpp"

using portrait::ConfigError;

namespace {

// The ConfigError that validating `yaml` (as file p.yaml) throws, or "" if none.
std::string error_of(const std::string& yaml, const portrait::PipelineOverrides& o = {}) {
    try {
        portrait::PipelineConfig cfg = portrait::parse_pipeline(yaml, "p.yaml");
        portrait::apply_overrides(cfg, o);
        portrait::validate_pipeline(cfg, spine::test_registry());
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

// Asserts the error starts with `where` + ": " and contains every part.
void expect_error(const std::string& yaml, const std::string& where, std::vector<std::string> parts,
                  const portrait::PipelineOverrides& o = {}) {
    const std::string e = error_of(yaml, o);
    ASSERT_FALSE(e.empty()) << "no error for:\n" << yaml;
    EXPECT_EQ(e.rfind(where + ": ", 0), 0u) << "expected at " << where << ", got: " << e;
    for (const auto& p : parts) EXPECT_NE(e.find(p), std::string::npos) << "'" << p << "' missing from: " << e;
}

std::string one_stage(const std::string& params) {
    return "version: 1\nstages:\n  - stage: spine_types\n    params:\n" + params;
}

}  // namespace

TEST(PipelineErrors, AValidPipelineResolvesWithDefaults) {
    const auto r = spine::resolve(one_stage("      strength: 0.25\n      mode: quality\n"));
    ASSERT_EQ(r.stages.size(), 1u);
    EXPECT_EQ(r.stages[0].id, "spine_types");
    EXPECT_DOUBLE_EQ(r.stages[0].params.get_float("strength"), 0.25);
    EXPECT_EQ(r.stages[0].params.get_int("radius"), 3);  // default
    EXPECT_TRUE(r.stages[0].params.get_bool("smooth"));
    EXPECT_EQ(r.stages[0].params.get_string("mode"), "quality");
    EXPECT_EQ(r.config.resources.max_size, 1920);
}

TEST(PipelineErrors, YamlSyntaxError) {
    // Line 3: a flow mapping that is never closed.
    expect_error("version: 1\nstages:\n  - {stage: spine_rect\n", "p.yaml:4:1", {"YAML syntax error"});
    // Line 2, column 9: a second ':' where a plain value was expected.
    expect_error("name: a\nversion: 1: 2\nstages: []\n", "p.yaml:2:11", {"YAML syntax error"});
}

TEST(PipelineErrors, UnknownTopLevelKey) {
    expect_error("version: 1\nstagez:\n  - stage: spine_rect\n", "p.yaml:2:1",
                 {"unknown key 'stagez' in the pipeline", "did you mean 'stages'?"});
    expect_error("version: 1\nresources:\n  max_sise: 512\nstages: []\n", "p.yaml:3:3",
                 {"unknown key 'max_sise' in 'resources'", "did you mean 'max_size'?"});
    expect_error("stages:\n  - stage: spine_rect\n    parmas: {}\n", "p.yaml:3:5",
                 {"unknown key 'parmas' in a stage entry", "did you mean 'params'?"});
}

TEST(PipelineErrors, UnknownStageWithTheClosestName) {
    expect_error("version: 1\nstages:\n  - stage: spine_rekt\n", "p.yaml:3:12",
                 {"unknown stage 'spine_rekt'", "did you mean 'spine_rect'?", "portrait plugins"});
    // Nothing close: no suggestion.
    const std::string e = error_of("stages:\n  - stage: zzzzzzzzzzzzzzzzzzzzz\n");
    EXPECT_EQ(e.find("did you mean"), std::string::npos) << e;
}

TEST(PipelineErrors, MisspelledParameterWithSuggestion) {
    expect_error(one_stage("      strenght: 0.5\n"), "p.yaml:5:7",
                 {"stage 'spine_types' has no parameter 'strenght'", "did you mean 'strength'?",
                  "portrait describe spine_types"});
}

TEST(PipelineErrors, WrongType) {
    expect_error(one_stage("      radius: abc\n"), "p.yaml:5:7",
                 {"stage 'spine_types', parameter 'radius' must be int, got 'abc'"});
    expect_error(one_stage("      radius: 2.5\n"), "p.yaml:5:7", {"parameter 'radius' must be int, got '2.5'"});
    expect_error(one_stage("      strength: high\n"), "p.yaml:5:7", {"parameter 'strength' must be float"});
    expect_error(one_stage("      strength: true\n"), "p.yaml:5:7", {"parameter 'strength' must be float"});
    expect_error(one_stage("      smooth: maybe\n"), "p.yaml:5:7", {"parameter 'smooth' must be bool"});
    expect_error(one_stage("      radius: [1, 2]\n"), "p.yaml:5:7", {"must be a single int value"});
    expect_error("stages:\n  - stage: spine_rect\n    enabled: perhaps\n", "p.yaml:3:14",
                 {"'enabled' must be true or false"});
    expect_error("resources:\n  threads: many\nstages: []\n", "p.yaml:2:12",
                 {"resources.threads must be an integer"});
}

TEST(PipelineErrors, OutOfRange) {
    expect_error(one_stage("      strength: 1.5\n"), "p.yaml:5:7",
                 {"parameter 'strength' = 1.5 is out of range 0 .. 1"});
    expect_error(one_stage("      radius: 11\n"), "p.yaml:5:7", {"parameter 'radius' = 11 is out of range 1 .. 10"});
    expect_error(one_stage("      strength: .nan\n"), "p.yaml:5:7", {"out of range"});
    expect_error("resources:\n  max_size: 10\nstages: []\n", "p.yaml:2:13", {"max_size must be 0", "at least 64"});
    expect_error("resources:\n  memory_limit: lots\nstages: []\n", "p.yaml:2:17",
                 {"resources.memory_limit", "is not a size"});
    expect_error("version: 2\nstages: []\n", "p.yaml:1:10", {"version 2 is not supported"});
}

TEST(PipelineErrors, BadChoice) {
    expect_error(one_stage("      mode: quallity\n"), "p.yaml:5:7",
                 {"parameter 'mode' = 'quallity' is not one of: fast, quality, auto", "did you mean 'quality'?"});
}

TEST(PipelineErrors, ANeedNoEarlierStageProvides) {
    expect_error("stages:\n  - stage: spine_need\n", "p.yaml:2:12",
                 {"stage 'spine_need' needs 'spine_cap'", "no earlier enabled stage provides",
                  "enable one of these before it: spine_provide"});
    // The provider after the stage that needs it is too late.
    expect_error("stages:\n  - stage: spine_need\n  - stage: spine_provide\n", "p.yaml:2:12", {"needs 'spine_cap'"});
    // A disabled provider provides nothing.
    expect_error("stages:\n  - stage: spine_provide\n    enabled: false\n  - stage: spine_need\n", "p.yaml:4:12",
                 {"needs 'spine_cap'"});
    // Provider first: fine; a disabled stage that needs it is not checked.
    EXPECT_EQ(error_of("stages:\n  - stage: spine_provide\n  - stage: spine_need\n"), "");
    EXPECT_EQ(error_of("stages:\n  - stage: spine_need\n    enabled: false\n"), "");
}

TEST(PipelineErrors, DuplicateId) {
    expect_error("stages:\n  - stage: spine_rect\n  - stage: spine_rect\n", "p.yaml:3:12",
                 {"stage id 'spine_rect' is used twice", "give one of them an 'id'"});
    expect_error("stages:\n  - stage: spine_rect\n    id: a\n  - stage: spine_warp\n    id: a\n", "p.yaml:4:12",
                 {"stage id 'a' is used twice"});
    EXPECT_EQ(error_of("stages:\n  - stage: spine_rect\n  - stage: spine_rect\n    id: second\n"), "");
}

TEST(PipelineErrors, DuplicateKeysAtAnyDepth) {
    // yaml-cpp keeps both; before this check the first 'stages' won silently here...
    EXPECT_EQ(error_of("version: 1\nstages: []\nstages:\n  - stage: spine_rekt\n"),
              "p.yaml:3:1: duplicate key 'stages' (first given at 2:1)");
    // ...and the last parameter value there.
    EXPECT_EQ(error_of(one_stage("      strength: 0.2\n      radius: 4\n      strength: 0.9\n")),
              "p.yaml:7:7: duplicate key 'strength' (first given at 5:7)");
    EXPECT_EQ(error_of("resources:\n  threads: 2\n  threads: 3\nstages: []\n"),
              "p.yaml:3:3: duplicate key 'threads' (first given at 2:3)");
    EXPECT_EQ(error_of("stages:\n  - {stage: spine_rect, stage: spine_warp}\n"),
              "p.yaml:2:25: duplicate key 'stage' (first given at 2:6)");
    // Quoting does not make another key; nor does depth hide one.
    EXPECT_EQ(error_of("name: a\n\"name\": b\nstages: []\n"), "p.yaml:2:1: duplicate key 'name' (first given at 1:1)");
    EXPECT_EQ(error_of(one_stage("      label: {a: 1, b: [{c: 1, c: 2}]}\n")),
              "p.yaml:5:32: duplicate key 'c' (first given at 5:26)");
    // Through an alias the same mapping is checked once, and is no duplicate of itself.
    EXPECT_EQ(error_of("stages:\n  - stage: spine_rect\n    params: &p {value: 3}\n  - stage: spine_rect\n"
                       "    id: two\n    params: *p\n"),
              "");
    // The same key in different mappings is fine.
    EXPECT_EQ(error_of("stages:\n  - stage: spine_rect\n  - stage: spine_warp\n"), "");
}

// Found by the fuzzer and UBSan (tests/fuzz/regressions/pipeline): both used to escape as
// a yaml-cpp conversion error or undefined behaviour instead of file:line:column.
TEST(PipelineErrors, FuzzerFindsGiveFileLineColumn) {
    const std::string key = error_of("{{}}\n");
    EXPECT_EQ(key.rfind("p.yaml:1:", 0), 0u) << key;
    EXPECT_NE(key.find("a key must be a name, not a mapping"), std::string::npos) << key;
    const std::string big = error_of("resources:\n  memory_limit: 1e300\nstages: []\n");
    EXPECT_EQ(big.rfind("p.yaml:2:17: resources.memory_limit", 0), 0u) << big;
    EXPECT_NE(big.find("too large"), std::string::npos) << big;
}

TEST(PipelineErrors, ResourceOverridesAreHeldToTheFileLimits) {
    // --set resources.KEY goes through the file's own check: same message, the option as mark.
    const std::string yaml = "stages: []\n";
    portrait::PipelineOverrides o;
    o.set = {"resources.threads=-1"};
    EXPECT_EQ(error_of(yaml, o), "--set resources.threads=-1: resources.threads must be 0 (all cores) .. 1024");
    EXPECT_EQ(error_of("resources:\n  threads: -1\nstages: []\n"),
              "p.yaml:2:12: resources.threads must be 0 (all cores) .. 1024");
    o.set = {"resources.max_size=[1"};
    EXPECT_EQ(error_of(yaml, o), "--set resources.max_size=[1: resources.max_size must be an integer, got '[1'");
    o.set = {"resources.threds=2"};
    EXPECT_EQ(error_of(yaml, o),
              "--set resources.threds=2: unknown key 'threds' in 'resources' (did you mean 'threads'?)");
    o.set = {"resources.log_level=warn"};
    portrait::PipelineConfig cfg = portrait::parse_pipeline(yaml, "p.yaml");
    portrait::apply_overrides(cfg, o);
    EXPECT_EQ(cfg.resources.log_level, "warn");
}

TEST(PipelineErrors, ParametersOfDisabledStagesAreCheckedToo) {
    expect_error("stages:\n  - stage: spine_types\n    enabled: false\n    params:\n      radius: 0\n", "p.yaml:5:7",
                 {"out of range"});
}

TEST(PipelineErrors, OverridesNameTheCommandLineOption) {
    const std::string yaml = "stages:\n  - stage: spine_rect\n    id: paint\n  - stage: spine_warp\n    enabled: false\n";
    portrait::PipelineOverrides o;
    o.set = {"paint.value=300"};
    expect_error(yaml, "--set paint.value=300", {"parameter 'value' = 300 is out of range 0 .. 255"}, o);
    o.set = {"paint.valeu=3"};
    expect_error(yaml, "--set paint.valeu=3", {"has no parameter 'valeu'", "did you mean 'value'?"}, o);
    o.set = {"pain.value=3"};
    expect_error(yaml, "--set pain.value=3", {"has no stage 'pain'", "did you mean 'paint'?"}, o);
    o.set = {"paint=3"};
    expect_error(yaml, "--set paint=3", {"expected STAGE.PARAM=VALUE"}, o);
    o.set = {"resources.max_size=10"};
    expect_error(yaml, "--set resources.max_size=10", {"at least 64"}, o);
    o.set = {};
    o.enable = {"spine_wrap"};
    expect_error(yaml, "--enable spine_wrap", {"has no stage 'spine_wrap'", "did you mean 'spine_warp'?"}, o);

    // And when they are right they take effect.
    portrait::PipelineConfig cfg = portrait::parse_pipeline(yaml, "p.yaml");
    o = {};
    o.set = {"paint.value=17", "resources.max_size=512", "resources.memory_limit=1GiB"};
    o.enable = {"spine_warp"};
    o.disable = {"paint"};
    portrait::apply_overrides(cfg, o);
    const auto r = portrait::validate_pipeline(cfg, spine::test_registry());
    ASSERT_EQ(r.stages.size(), 1u);
    EXPECT_EQ(r.stages[0].id, "spine_warp");
    EXPECT_EQ(r.config.resources.max_size, 512);
    EXPECT_EQ(r.config.resources.memory_limit, std::size_t(1) << 30);
    EXPECT_EQ(r.config.stages[0].params.at("value").value.as<int>(), 17);
}

TEST(PipelineErrors, ValidationNeverStartsAStage) {
    // spine_needs_model throws from its constructor; validating must not construct it.
    const auto r = spine::resolve("stages:\n  - stage: spine_needs_model\n");
    EXPECT_EQ(r.stages.size(), 1u);
}

TEST(PipelineErrors, ByteSizes) {
    EXPECT_EQ(portrait::parse_byte_size("512MiB"), std::size_t(512) << 20);
    EXPECT_EQ(portrait::parse_byte_size("2GB"), std::size_t(2000000000));
    EXPECT_EQ(portrait::parse_byte_size("1.5GiB"), std::size_t(3) << 29);
    EXPECT_EQ(portrait::parse_byte_size("1000"), std::size_t(1000));
    EXPECT_THROW(portrait::parse_byte_size("-1GiB"), std::invalid_argument);
    EXPECT_THROW(portrait::parse_byte_size("4 parsecs"), std::invalid_argument);
}

TEST(PipelineErrors, PathsAreResolvedAgainstThePipelineFolder) {
    const auto cfg = portrait::parse_pipeline("plugin_paths: [plugins, /abs]\nmodel_paths: [../m]\nstages: []\n",
                                              "/etc/portrait/p.yaml");
    ASSERT_EQ(cfg.plugin_paths.size(), 2u);
    EXPECT_EQ(cfg.plugin_paths[0], "/etc/portrait/plugins");
    EXPECT_EQ(cfg.plugin_paths[1], "/abs");
    EXPECT_EQ(cfg.model_paths[0], "/etc/m");
}
