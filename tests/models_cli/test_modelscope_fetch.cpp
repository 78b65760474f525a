// The ModelScope downloader against a loopback hub: listing, checks, resume, refusal.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "hub_fixture.hpp"
#include "modelscope_fetch.hpp"
#include "portrait/runtime/sha256.hpp"

namespace fs = std::filesystem;
using namespace portrait::cli;
using portrait::sha256_file;
using portrait::test::HubServer;
using portrait::test::TempDir;

namespace {

constexpr const char* kModel = "iic/cv_unet_skin-retouching";
constexpr std::size_t kBig = 300000;

struct Hub : ::testing::Test {
    TempDir tmp;
    fs::path root = tmp.path() / "hub";
    fs::path model_dir = root / "iic" / "cv_unet_skin-retouching";
    fs::path dest = tmp.path() / "dest";

    void SetUp() override {
        portrait::test::write_bytes(model_dir / "pytorch_model.pt", kBig, 1);
        portrait::test::write_bytes(model_dir / "sub" / "joint.pth", 5000, 2);
        portrait::test::write_text(model_dir / "configuration.json", "{\"task\": \"skin-retouching\"}\n");
        portrait::test::write_text(model_dir / ".gitattributes", "*.pt filter=lfs\n");
    }

    FetchOptions options(const HubServer& hub, int attempts = 3) const {
        FetchOptions o;
        o.endpoint = hub.endpoint();
        o.attempts = attempts;
        o.retry_delay = std::chrono::milliseconds(10);
        o.connect_timeout_s = 5;
        o.low_speed_time_s = 10;
        return o;
    }

    std::vector<fs::path> leftovers() const {  // .part files anywhere under dest
        std::vector<fs::path> out;
        std::error_code ec;
        if (!fs::exists(dest, ec)) return out;
        for (const auto& e : fs::recursive_directory_iterator(dest))
            if (e.path().extension() == ".part") out.push_back(e.path());
        return out;
    }
};

}  // namespace

TEST(ModelScopeUrls, FollowTheHubLayout) {
    EXPECT_EQ(file_list_url("https://www.modelscope.cn/", kModel, "master"),
              "https://www.modelscope.cn/api/v1/models/iic/cv_unet_skin-retouching/repo/files?Revision=master"
              "&Recursive=True");
    EXPECT_EQ(file_url("http://127.0.0.1:9", "damo/cv_gpen_image-portrait-enhancement", "v1.0.1",
                       "super_resolution/realesrnet_x2.pth"),
              "http://127.0.0.1:9/api/v1/models/damo/cv_gpen_image-portrait-enhancement/repo?Revision=v1.0.1"
              "&FilePath=super_resolution%2Frealesrnet_x2.pth");
    EXPECT_THROW(file_url("http://x", "no-slash", "master", "a"), std::runtime_error);
}

TEST_F(Hub, ListingKeepsBlobsOnly) {
    HubServer hub(root);
    auto files = list_hub_files(kModel, "master", options(hub));
    std::vector<std::string> paths;
    for (const auto& f : files) paths.push_back(f.path);
    EXPECT_EQ(paths, (std::vector<std::string>{"configuration.json", "pytorch_model.pt", "sub/joint.pth"}));
    for (const auto& f : files)
        if (f.path == "pytorch_model.pt") {
            EXPECT_EQ(f.size, kBig);
            EXPECT_EQ(f.sha256, sha256_file(model_dir / "pytorch_model.pt"));
        }
}

TEST_F(Hub, FetchDownloadsEveryFileWithItsSha) {
    HubServer hub(root);
    auto s = fetch_hub_model(kModel, "master", {}, dest, options(hub));
    EXPECT_EQ(s.downloaded.size(), 3u);
    EXPECT_EQ(s.bytes, kBig + 5000 + fs::file_size(model_dir / "configuration.json"));
    for (const char* f : {"pytorch_model.pt", "sub/joint.pth", "configuration.json"})
        EXPECT_EQ(sha256_file(dest / f), sha256_file(model_dir / f)) << f;
    EXPECT_FALSE(fs::exists(dest / ".gitattributes"));
    EXPECT_TRUE(leftovers().empty());
}

TEST_F(Hub, IncludePatternsLimitTheDownload) {
    HubServer hub(root);
    auto s = fetch_hub_model(kModel, "master", {"*.pt", "configuration.json"}, dest, options(hub));
    EXPECT_EQ(s.downloaded.size(), 2u);
    EXPECT_EQ(s.skipped, std::vector<std::string>{"sub/joint.pth"});
    EXPECT_FALSE(fs::exists(dest / "sub" / "joint.pth"));
}

TEST_F(Hub, SecondFetchDownloadsNothing) {
    HubServer hub(root);
    fetch_hub_model(kModel, "master", {}, dest, options(hub));
    const auto before = hub.file_requests().size();
    auto s = fetch_hub_model(kModel, "master", {}, dest, options(hub));
    EXPECT_TRUE(s.downloaded.empty());
    EXPECT_EQ(s.present.size(), 3u);
    EXPECT_EQ(s.bytes, 0u);
    EXPECT_EQ(hub.file_requests().size(), before) << "no file was requested again";
}

TEST_F(Hub, ChangedFileIsDownloadedAgain) {
    HubServer hub(root);
    fetch_hub_model(kModel, "master", {}, dest, options(hub));
    portrait::test::write_bytes(dest / "sub" / "joint.pth", 5000, 99);  // damaged copy, same size
    auto s = fetch_hub_model(kModel, "master", {}, dest, options(hub));
    EXPECT_EQ(s.downloaded, std::vector<std::string>{"sub/joint.pth"});
    EXPECT_EQ(sha256_file(dest / "sub" / "joint.pth"), sha256_file(model_dir / "sub" / "joint.pth"));
}

TEST_F(Hub, DroppedConnectionResumesWithRange) {
    HubServer::Options ho;
    ho.drop_at = 40000;
    HubServer hub(root, ho);
    std::vector<std::string> log;
    auto o = options(hub);
    o.log = [&](const std::string& l) { log.push_back(l); };
    auto s = fetch_hub_model(kModel, "master", {"pytorch_model.pt"}, dest, o);
    EXPECT_EQ(s.resumed, 1);
    EXPECT_EQ(s.bytes, kBig) << "the resumed transfer continues, it does not start again";
    EXPECT_EQ(sha256_file(dest / "pytorch_model.pt"), sha256_file(model_dir / "pytorch_model.pt"));
    const auto req = hub.file_requests();
    ASSERT_EQ(req.size(), 2u);
    EXPECT_TRUE(req[0].value("dropped", false));
    EXPECT_TRUE(req[0]["range"].is_null());
    EXPECT_EQ(req[1]["range"], "bytes=40000-");
    EXPECT_EQ(req[1]["status"], 206);
    EXPECT_EQ(req[1]["sent"], kBig - 40000);
    EXPECT_TRUE(leftovers().empty());
    bool said = false;
    for (const auto& l : log) said |= l.find("resuming at") != std::string::npos;
    EXPECT_TRUE(said);
}

TEST_F(Hub, PartFileFromAnEarlierRunIsResumed) {
    HubServer hub(root);
    // The first 100000 bytes, as an interrupted earlier run leaves them.
    fs::create_directories(dest);
    {
        std::ifstream in(model_dir / "pytorch_model.pt", std::ios::binary);
        std::string head(100000, '\0');
        in.read(head.data(), std::streamsize(head.size()));
        std::ofstream(dest / "pytorch_model.pt.part", std::ios::binary) << head;
    }
    auto s = fetch_hub_model(kModel, "master", {"pytorch_model.pt"}, dest, options(hub));
    EXPECT_EQ(s.resumed, 1);
    EXPECT_EQ(s.bytes, kBig - 100000);
    const auto req = hub.file_requests();
    ASSERT_EQ(req.size(), 1u);
    EXPECT_EQ(req[0]["range"], "bytes=100000-");
    EXPECT_EQ(sha256_file(dest / "pytorch_model.pt"), sha256_file(model_dir / "pytorch_model.pt"));
}

TEST_F(Hub, ServerIgnoringRangeStartsTheFileOver) {
    HubServer::Options ho;
    ho.ignore_range = true;
    HubServer hub(root, ho);
    portrait::test::write_bytes(dest / "pytorch_model.pt.part", 1234, 7);  // wrong bytes, too
    fetch_hub_model(kModel, "master", {"pytorch_model.pt"}, dest, options(hub));
    EXPECT_EQ(sha256_file(dest / "pytorch_model.pt"), sha256_file(model_dir / "pytorch_model.pt"));
}

TEST_F(Hub, CorruptPartIsDownloadedAgainFromTheStart) {
    HubServer hub(root);
    portrait::test::write_bytes(dest / "pytorch_model.pt.part", 100000, 8);  // not the file's bytes
    auto s = fetch_hub_model(kModel, "master", {"pytorch_model.pt"}, dest, options(hub));
    EXPECT_EQ(sha256_file(dest / "pytorch_model.pt"), sha256_file(model_dir / "pytorch_model.pt"));
    const auto req = hub.file_requests();
    ASSERT_EQ(req.size(), 2u);
    EXPECT_EQ(req[0]["range"], "bytes=100000-");
    EXPECT_TRUE(req[1]["range"].is_null());
}

TEST_F(Hub, WrongShaIsRefusedAndNothingIsLeft) {
    HubServer::Options ho;
    ho.sha_override = R"({"iic/cv_unet_skin-retouching/sub/joint.pth": ")" + std::string(64, 'a') + "\"}";
    HubServer hub(root, ho);
    try {
        fetch_hub_model(kModel, "master", {"sub/*"}, dest, options(hub));
        FAIL() << "a wrong Sha256 must be refused";
    } catch (const FetchError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("sha256 mismatch"), std::string::npos) << m;
        EXPECT_NE(m.find("FilePath=sub%2Fjoint.pth"), std::string::npos) << m;
        EXPECT_NE(m.find(std::string(64, 'a')), std::string::npos) << m;
    }
    EXPECT_FALSE(fs::exists(dest / "sub" / "joint.pth"));
    EXPECT_TRUE(leftovers().empty());
}

TEST_F(Hub, UnknownModelFailsAtOnceNamingTheUrl) {
    HubServer hub(root);
    try {
        list_hub_files("iic/no-such-model", "master", options(hub, 5));
        FAIL();
    } catch (const FetchError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("HTTP 404"), std::string::npos) << m;
        EXPECT_NE(m.find("/api/v1/models/iic/no-such-model/repo/files"), std::string::npos) << m;
    }
    EXPECT_EQ(hub.requests().size(), 1u) << "404 is not retried";
}

TEST_F(Hub, UnreachableHubGivesUpAfterTheAttempts) {
    std::string endpoint;
    {
        HubServer hub(root);
        endpoint = hub.endpoint();
    }  // stopped: nothing listens on that loopback port now
    FetchOptions o;
    o.endpoint = endpoint;
    o.attempts = 2;
    o.retry_delay = std::chrono::milliseconds(10);
    try {
        list_hub_files(kModel, "master", o);
        FAIL();
    } catch (const FetchError& e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("after 2 attempts"), std::string::npos) << m;
        EXPECT_NE(m.find(endpoint), std::string::npos) << m;
    }
}

TEST_F(Hub, EmptyFileIsFetchedToo) {
    portrait::test::write_text(model_dir / "empty.txt", "");
    HubServer hub(root);
    auto s = fetch_hub_model(kModel, "master", {"empty.txt"}, dest, options(hub));
    EXPECT_EQ(s.downloaded, std::vector<std::string>{"empty.txt"});
    ASSERT_TRUE(fs::is_regular_file(dest / "empty.txt"));
    EXPECT_EQ(fs::file_size(dest / "empty.txt"), 0u);
    EXPECT_TRUE(leftovers().empty());
}
