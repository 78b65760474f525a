// `portrait report merge` (docs/scale-out.md): the reports of real sharded runs merged
// into one, and the reports that must be refused (not shards of one batch, crafted).
#include <algorithm>
#include <fstream>

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include "batch_test_util.hpp"

namespace {

using bt::fs::path;

class ReportMerge : public ::testing::Test {
protected:
    void SetUp() override {
        for (int i = 0; i < 12; ++i) {
            bt::fs::create_directories(in() / (i % 2 ? "a" : "b"));
            cv::imwrite((in() / (i % 2 ? "a" : "b") / ("p" + std::to_string(i) + ".png")).string(),
                        bt::photo(48, 40, i + 1));
        }
    }
    path in() const { return tmp_.path() / "in"; }
    path report(int shard) const { return tmp_.path() / ("shard-" + std::to_string(shard) + ".json"); }
    // Runs shard I/3 of the batch with the tone pipeline (plus extra arguments).
    void run_shard(int shard, std::vector<std::string> extra = {}) {
        std::vector<std::string> args{"run", in().string(), "-o", (tmp_.path() / "out").string(), "-p",
                                      bt::tone_pipeline(), "--shard", std::to_string(shard) + "/3", "--report",
                                      report(shard).string(), "--progress", "never"};
        args.insert(args.end(), extra.begin(), extra.end());
        const bt::Result r = bt::run_portrait(args, tmp_.path() / "cache");
        ASSERT_EQ(r.code, 0) << r.err;
    }
    bt::Result merge(const std::vector<path>& reports, const path& out) {
        std::vector<std::string> args{"report", "merge"};
        for (const auto& r : reports) args.push_back(r.string());
        args.insert(args.end(), {"-o", out.string()});
        return bt::run_portrait(args, tmp_.path() / "cache");
    }
    bt::TempDir tmp_;
};

TEST_F(ReportMerge, ThreeShardsMakeTheWholeBatch) {
    for (int s = 0; s < 3; ++s) run_shard(s);
    const path all = tmp_.path() / "all.json";
    const bt::Result r = merge({report(2), report(0), report(1)}, all);
    ASSERT_EQ(r.code, 0) << r.err;
    const nlohmann::json m = bt::read_json(all);
    EXPECT_EQ(m["totals"]["images"], 12);
    EXPECT_EQ(m["totals"]["ok"], 12);
    ASSERT_EQ(m["shards"].size(), 3u);
    int sum = 0;
    for (int s = 0; s < 3; ++s) {
        const nlohmann::json own = bt::read_json(report(s));
        EXPECT_EQ(m["shards"][s]["index"], s);
        EXPECT_EQ(m["shards"][s]["images"], own["items"].size());
        sum += m["shards"][s]["ok"].get<int>();
        for (const auto& it : own["items"]) {
            const auto found = std::find_if(m["items"].begin(), m["items"].end(),
                                            [&](const nlohmann::json& x) { return x["input"] == it["input"]; });
            ASSERT_NE(found, m["items"].end()) << it["input"];
            EXPECT_EQ((*found)["shard"], s);
        }
    }
    EXPECT_EQ(sum, 12);
    EXPECT_TRUE(m["shards_missing"].empty());
    for (std::size_t i = 1; i < m["items"].size(); ++i)
        EXPECT_LT(m["items"][i - 1]["input"].get<std::string>(), m["items"][i]["input"].get<std::string>());

    const path page = tmp_.path() / "all.html";
    ASSERT_EQ(merge({report(0), report(1), report(2)}, page).code, 0);
    std::ifstream f(page);
    const std::string html((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_NE(html.find("12 images from 3 of 3 shards"), std::string::npos) << html.substr(0, 600);
    EXPECT_NE(html.find("p11.png"), std::string::npos);
}

TEST_F(ReportMerge, AMissingShardIsSaid) {
    run_shard(0);
    run_shard(2);
    const path all = tmp_.path() / "all.json";
    const bt::Result r = merge({report(0), report(2)}, all);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("shard(s) 1 of 3 missing"), std::string::npos) << r.err;
    EXPECT_EQ(bt::read_json(all)["shards_missing"], nlohmann::json::array({1}));
}

TEST_F(ReportMerge, ReportsThatAreNotShardsOfOneBatchAreRefused) {
    run_shard(0);
    run_shard(1, {"--set", "tone.exposure=0.5"});
    bt::Result r = merge({report(0), report(1)}, tmp_.path() / "all.json");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("fingerprints differ"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(report(1).string()), std::string::npos) << r.err;

    r = merge({report(0), report(0)}, tmp_.path() / "all.json");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("is also"), std::string::npos) << r.err;

    // The same images claimed by another shard index.
    nlohmann::json twin = bt::read_json(report(0));
    twin["shard"]["index"] = 2;
    const path forged = tmp_.path() / "forged.json";
    bt::write_bytes(forged, [&] { const std::string t = twin.dump(); return std::vector<unsigned char>(t.begin(), t.end()); }());
    r = merge({report(0), forged}, tmp_.path() / "all.json");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("shards of one batch never share an image"), std::string::npos) << r.err;
    EXPECT_FALSE(bt::fs::exists(tmp_.path() / "all.json"));
}

TEST_F(ReportMerge, CraftedReportsGiveClearErrorsAndEscapedPages) {
    const path junk = tmp_.path() / "junk.json";
    bt::write_bytes(junk, {'{', 'x'});
    bt::Result r = merge({junk}, tmp_.path() / "all.json");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find(junk.string() + ": not a JSON report"), std::string::npos) << r.err;

    const std::string empty = R"({"schema_version": 2, "pipeline": {}, "items": "no"})";
    bt::write_bytes(junk, std::vector<unsigned char>(empty.begin(), empty.end()));
    r = merge({junk}, tmp_.path() / "all.json");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("not a portrait batch report"), std::string::npos) << r.err;

    // A name that is markup and terminal control: never raw in the page or on stderr.
    run_shard(0);
    nlohmann::json j = bt::read_json(report(0));
    j["items"][0]["input"] = "<script>alert(1)</script>\x1b[2J.png";
    j["items"][0]["warnings"] = {"<img src=x onerror=alert(1)>"};
    const std::string t = j.dump();
    bt::write_bytes(report(0), std::vector<unsigned char>(t.begin(), t.end()));
    const path page = tmp_.path() / "all.html";
    r = merge({report(0)}, page);
    ASSERT_EQ(r.code, 0) << r.err;
    std::ifstream f(page);
    const std::string html((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    EXPECT_EQ(html.find("<script>"), std::string::npos);
    EXPECT_EQ(html.find("<img src=x"), std::string::npos);
    EXPECT_EQ(html.find('\x1b'), std::string::npos);
    EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos);

    r = merge({report(0)}, report(0));
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("is one of the reports to merge"), std::string::npos) << r.err;
    r = merge({report(0)}, tmp_.path() / "all.txt");
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("must end in .json or .html"), std::string::npos) << r.err;
}

}  // namespace
