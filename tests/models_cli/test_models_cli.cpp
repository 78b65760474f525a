// `portrait models` end to end: list, path, fetch (loopback hub, stub or real converters),
// convert failure messages and pack. Every run gets its own cache, HOME and working folder.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "hub_fixture.hpp"
#include "portrait/runtime/model_catalogue.hpp"
#include "portrait/runtime/sha256.hpp"

namespace fs = std::filesystem;
using portrait::sha256_file;
using portrait::test::HubServer;
using portrait::test::read_text;
using portrait::test::run_shell;
using portrait::test::sh_quote;
using portrait::test::TempDir;
using portrait::test::write_bytes;
using portrait::test::write_text;

namespace {

constexpr const char* kGpenId = "damo/cv_gpen_image-portrait-enhancement";

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

fs::path shared_dir() {
    const char* s = std::getenv("PORTRAIT_SHARED");
    return s && *s ? fs::path(s) : fs::path();
}

struct Cli : ::testing::Test {
    TempDir tmp;
    fs::path cache = tmp.path() / "cache";
    fs::path home = tmp.path() / "home";
    fs::path cwd = tmp.path() / "work";
    fs::path convert_dir = tmp.path() / "convert";
    fs::path hub_root = tmp.path() / "hub";
    fs::path stub_log = tmp.path() / "stub.jsonl";
    fs::path fake_python = tmp.path() / "python";
    std::map<std::string, std::string> env;

    void SetUp() override {
        for (const auto& d : {cache, home, cwd, convert_dir, hub_root}) fs::create_directories(d);
        for (const char* s : {"gpen.py", "realesrnet.py", "skin_retouching.py", "facemesh.py"})
            fs::copy_file(fs::path(MODELS_CLI_TEST_DIR) / "stub_converter.py", convert_dir / s);
        // Answers the converters' torch check per $FAKE_TORCH, else runs the system python:
        // the stub converters need no torch, so these tests run on machines without it.
        write_text(fake_python,
                   "#!/bin/sh\nif [ \"$1\" = -c ]; then [ \"${FAKE_TORCH:-yes}\" = yes ]; exit $?; fi\n"
                   "exec /usr/bin/python3 \"$@\"\n");
        ::chmod(fake_python.c_str(), 0755);
        env = {{"HOME", home.string()},
               {"PORTRAIT_CACHE", cache.string()},
               {"PORTRAIT_CONVERT_DIR", convert_dir.string()},
               {"PORTRAIT_PYTHON", fake_python.string()},
               {"PORTRAIT_FETCH_RETRY_DELAY_MS", "10"},
               {"PORTRAIT_MODELSCOPE_ENDPOINT", "http://127.0.0.1:9"},  // discard port: never a hub
               {"STUB_LOG", stub_log.string()},
               {"NO_COLOR", "1"}};
    }

    std::string run(const std::string& args, int* rc) const {
        std::string cmd = "cd " + sh_quote(cwd.string()) + " && env -u PORTRAIT_MODELS -u MODELSCOPE_CACHE";
        for (const auto& [k, v] : env) cmd += " " + k + "=" + sh_quote(v);
        cmd += " " + sh_quote(PORTRAIT_EXE) + " " + args;
        return run_shell(cmd, rc);
    }

    std::vector<nlohmann::json> stub_calls() const {
        std::vector<nlohmann::json> out;
        std::ifstream in(stub_log);
        std::string line;
        while (std::getline(in, line)) out.push_back(nlohmann::json::parse(line));
        return out;
    }

    // The GPEN hub folder: the fixture checkpoints when ../shared is there, else stand-ins.
    fs::path make_gpen_hub() const {
        const fs::path m = hub_root / kGpenId;
        const fs::path sh = shared_dir() / "fixtures";
        std::error_code ec;
        if (fs::is_regular_file(sh / "gpen_tiny" / "pytorch_model.pt", ec) &&
            fs::is_regular_file(sh / "rrdbnet_tiny" / "realesrnet_x2.pth", ec)) {
            fs::create_directories(m / "super_resolution");
            fs::copy_file(sh / "gpen_tiny" / "pytorch_model.pt", m / "pytorch_model.pt");
            fs::copy_file(sh / "rrdbnet_tiny" / "realesrnet_x2.pth", m / "super_resolution" / "realesrnet_x2.pth");
        } else {
            write_bytes(m / "pytorch_model.pt", 250000, 11);
            write_bytes(m / "super_resolution" / "realesrnet_x2.pth", 60000, 12);
        }
        write_text(m / "configuration.json", "{\"task\": \"image-portrait-enhancement\"}\n");
        write_text(m / "README.md", "---\nlicense: Apache License 2.0\n---\n");
        write_bytes(m / "face_detection" / "RetinaFace-R50.pth", 70000, 13);  // not needed: not fetched
        return m;
    }
};

}  // namespace

TEST_F(Cli, HelpAndUnknownCommand) {
    int rc = -1;
    auto out = run("models --help", &rc);
    EXPECT_EQ(rc, 0);
    for (const char* c : {"list", "path", "fetch", "convert", "pack", "PORTRAIT_MODELSCOPE_ENDPOINT"})
        EXPECT_TRUE(contains(out, c)) << c;
    for (const char* c : {"list", "path", "fetch", "convert", "pack"}) {
        out = run(std::string("models ") + c + " --help", &rc);
        EXPECT_EQ(rc, 0) << c;
        EXPECT_TRUE(contains(out, std::string("usage: portrait models ") + c)) << out;
    }
    out = run("models frobnicate", &rc);
    EXPECT_EQ(rc, 2);
    EXPECT_TRUE(contains(out, "frobnicate")) << out;
    out = run("models fetch", &rc);
    EXPECT_EQ(rc, 2);
    out = run("models fetch no-such-model", &rc);
    EXPECT_EQ(rc, 2);
    EXPECT_TRUE(contains(out, "catalogue.yaml") && contains(out, "skin-retouching")) << out;
}

TEST_F(Cli, ListShowsLicenceSourceAndCacheState) {
    int rc = -1;
    auto out = run("models list", &rc);
    EXPECT_EQ(rc, 0) << out;
    for (const char* s : {"blazeface", "facemesh", "skin-retouching", "gpen-hires", "iic/cv_unet_skin-retouching",
                          "damo/cv_gpen_image-portrait-enhancement-hires", "Apache-2.0", "provides: gpen-512"})
        EXPECT_TRUE(contains(out, s)) << s << "\n" << out;
    EXPECT_FALSE(contains(out, "ready"));
    // Converted files with sidecars make an entry ready.
    for (const char* f : {"generator.pt", "inpainting_net.pt", "detection_net.pt"}) {
        const fs::path p = cache / "models" / "skin-retouching" / f;
        write_text(p, f);
        write_text(p.string() + ".sha256", sha256_file(p) + "  " + f + "\n");
    }
    out = run("models list", &rc);
    EXPECT_TRUE(contains(out, "skin-retouching   ready (in " + (cache / "models").string())) << out;
}

TEST_F(Cli, ListSaysWhenAFileNoLongerMatchesItsSidecarOrHasNone) {
    const fs::path dir = cache / "models" / "skin-retouching";
    for (const char* f : {"generator.pt", "inpainting_net.pt", "detection_net.pt"}) {
        write_text(dir / f, f);
        write_text((dir / f).string() + ".sha256", sha256_file(dir / f) + "  " + f + "\n");
    }
    int rc = -1;
    auto line = [&] {
        const std::string out = run("models list", &rc);
        const auto at = out.find("skin-retouching   ");
        return at == std::string::npos ? out : out.substr(at, out.find('\n', at) - at);
    };
    EXPECT_EQ(line(), "skin-retouching   ready (in " + (cache / "models").string() + ")");
    // Replaced after its sidecar was written: what a run would refuse to load.
    write_text(dir / "generator.pt", "other weights");
    EXPECT_EQ(line(), "skin-retouching   modified (sha256 mismatch: " + (dir / "generator.pt").string() +
                          "; fetch or convert it again)");
    EXPECT_EQ(rc, 0);
    write_text(dir / "generator.pt", "generator.pt");
    fs::remove((dir / "detection_net.pt").string() + ".sha256");
    EXPECT_EQ(line(), "skin-retouching   unverified (no sha256 sidecar: " + (dir / "detection_net.pt").string() + ")");
    write_text((dir / "detection_net.pt").string() + ".sha256", sha256_file(dir / "detection_net.pt") + "\n");
    EXPECT_EQ(line(), "skin-retouching   ready (in " + (cache / "models").string() + ")");
}

TEST_F(Cli, PathNamesTheSearchPathAndModelFolders) {
    int rc = -1;
    auto out = run("models path", &rc);
    EXPECT_EQ(rc, 0);
    EXPECT_TRUE(contains(out, (cache / "models").string())) << out;
    out = run("models path gpen", &rc);
    EXPECT_EQ(rc, 0);
    EXPECT_TRUE(contains(out, (cache / "models" / "gpen-512").string())) << out;
    EXPECT_TRUE(contains(out, (cache / "models" / "realesrnet-x2").string())) << out;
    EXPECT_TRUE(contains(out, (cache / "modelscope" / kGpenId).string())) << out;
    EXPECT_TRUE(contains(out, "portrait models fetch gpen")) << out;
    out = run("models path nonesuch", &rc);
    EXPECT_EQ(rc, 2) << out;
}

TEST_F(Cli, FetchDownloadsResumesConvertsAndThenDownloadsNothing) {
    const fs::path m = make_gpen_hub();
    HubServer::Options ho;
    ho.drop_at = 30000;  // the first transfer of each file is cut after 30000 bytes
    HubServer hub(hub_root, ho);
    env["PORTRAIT_MODELSCOPE_ENDPOINT"] = hub.endpoint();
    int rc = -1;
    auto out = run("models fetch gpen", &rc);
    ASSERT_EQ(rc, 0) << out;
    EXPECT_TRUE(contains(out, "resuming at")) << out;
    const fs::path dl = cache / "modelscope" / kGpenId;
    for (const char* f : {"pytorch_model.pt", "super_resolution/realesrnet_x2.pth", "configuration.json"})
        EXPECT_EQ(sha256_file(dl / f), sha256_file(m / f)) << f;
    EXPECT_FALSE(fs::exists(dl / "face_detection")) << "only what the conversions need is fetched";
    bool resumed = false;
    for (const auto& r : hub.file_requests()) resumed |= r["range"] == "bytes=30000-" && r["status"] == 206;
    EXPECT_TRUE(resumed);
    // Converted (by the stub) into the folders the stages search, with sidecars.
    const auto calls = stub_calls();
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0]["script"], "gpen.py");
    EXPECT_EQ(calls[0]["source"], (dl / "pytorch_model.pt").string());
    EXPECT_EQ(calls[0]["out"], (cache / "models" / "gpen-512" / "model.pt").string());
    EXPECT_EQ(calls[1]["script"], "realesrnet.py");
    EXPECT_EQ(calls[1]["out"], (cache / "models" / "realesrnet-x2" / "model.pt").string());
    EXPECT_TRUE(fs::exists(cache / "models" / "gpen-512" / "model.pt.sha256"));

    // Again, by the name of a model it provides: nothing is asked of the hub or converted again.
    const auto requests_before = hub.requests().size();
    out = run("models fetch gpen-512", &rc);
    ASSERT_EQ(rc, 0) << out;
    EXPECT_TRUE(contains(out, "gpen-512 comes from catalogue entry gpen")) << out;
    EXPECT_TRUE(contains(out, "nothing to fetch")) << out;
    EXPECT_EQ(hub.requests().size(), requests_before);
    EXPECT_EQ(stub_calls().size(), 2u);
    // --reconvert lists the hub again but downloads nothing.
    out = run("models fetch --reconvert gpen", &rc);
    ASSERT_EQ(rc, 0) << out;
    EXPECT_TRUE(contains(out, "0 downloaded (0.0 MB), 4 already present, 1 not needed")) << out;
    EXPECT_EQ(hub.file_requests().size(), requests_before - 1) << "only the listing was requested";
    EXPECT_EQ(stub_calls().size(), 4u);
    // Offline with the earlier download: converts from it.
    env["PORTRAIT_MODELSCOPE_ENDPOINT"] = "http://127.0.0.1:9";
    out = run("models fetch --reconvert --attempts 1 gpen", &rc);
    ASSERT_EQ(rc, 0) << out;
    EXPECT_TRUE(contains(out, "the hub is unreachable")) << out;
    EXPECT_TRUE(contains(out, "using the earlier download in " + dl.string())) << out;
    EXPECT_EQ(stub_calls().size(), 6u);
    out = run("models list", &rc);
    EXPECT_TRUE(contains(out, "gpen              ready")) << out;
}

TEST_F(Cli, FetchRefusesAWrongShaAndLeavesNothing) {
    make_gpen_hub();
    HubServer::Options ho;
    ho.sha_override = std::string(R"({")") + kGpenId + R"(/pytorch_model.pt": ")" + std::string(64, 'b') + "\"}";
    HubServer hub(hub_root, ho);
    env["PORTRAIT_MODELSCOPE_ENDPOINT"] = hub.endpoint();
    int rc = -1;
    auto out = run("models fetch gpen", &rc);
    EXPECT_EQ(rc, 2) << out;
    EXPECT_TRUE(contains(out, "sha256 mismatch")) << out;
    EXPECT_TRUE(contains(out, hub.endpoint() + "/api/v1/models/" + kGpenId + "/repo?Revision=master&FilePath=pytorch_model.pt"))
        << out;
    const fs::path dl = cache / "modelscope" / kGpenId;
    EXPECT_FALSE(fs::exists(dl / "pytorch_model.pt"));
    EXPECT_FALSE(fs::exists(dl / "pytorch_model.pt.part"));
    EXPECT_TRUE(stub_calls().empty());
}

TEST_F(Cli, FetchUsesTheUsersOwnDownloadFirst) {
    // Incomplete folder under the new id, complete one under the old id in the hub cache.
    write_bytes(cwd / "models" / "iic_cv_unet_skin-retouching" / "pytorch_model.pt", 1000, 1);
    const fs::path own = home / ".cache" / "modelscope" / "hub" / "damo" / "cv_unet_skin-retouching";
    write_bytes(own / "pytorch_model.pt", 1000, 2);
    write_bytes(own / "joint_20210926.pth", 1000, 3);
    int rc = -1;
    auto out = run("models fetch skin-retouching", &rc);  // the endpoint is a dead port
    ASSERT_EQ(rc, 0) << out;
    EXPECT_TRUE(contains(out, "iic_cv_unet_skin-retouching lacks joint_20210926.pth")) << out;
    EXPECT_TRUE(contains(out, "using your download in " + own.string())) << out;
    const auto calls = stub_calls();
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0]["script"], "skin_retouching.py");
    EXPECT_EQ(calls[0]["source"], own.string());
    EXPECT_EQ(calls[0]["out"], (cache / "models" / "skin-retouching").string());
    for (const char* f : {"generator.pt", "inpainting_net.pt", "detection_net.pt"})
        EXPECT_TRUE(fs::exists(cache / "models" / "skin-retouching" / (std::string(f) + ".sha256"))) << f;

    // ./models/<org>_<name>/ wins once complete.
    write_bytes(cwd / "models" / "iic_cv_unet_skin-retouching" / "joint_20210926.pth", 1000, 4);
    out = run("models fetch --reconvert skin-retouching", &rc);
    ASSERT_EQ(rc, 0) << out;
    EXPECT_TRUE(contains(out, "using your download in " + (cwd / "models" / "iic_cv_unet_skin-retouching").string()))
        << out;
    // --no-local goes to the hub, which is unreachable here: a clear failure naming the URL.
    out = run("models fetch --no-local --attempts 2 skin-retouching", &rc);
    EXPECT_EQ(rc, 2) << out;
    EXPECT_TRUE(contains(out, "http://127.0.0.1:9/api/v1/models/iic/cv_unet_skin-retouching/repo/files")) << out;
    EXPECT_TRUE(contains(out, "after 2 attempts")) << out;
}

TEST_F(Cli, FetchWithoutTorchKeepsTheDownloadAndSaysWhatToInstall) {
    make_gpen_hub();
    HubServer hub(hub_root);
    env["PORTRAIT_MODELSCOPE_ENDPOINT"] = hub.endpoint();
    env["FAKE_TORCH"] = "no";
    int rc = -1;
    auto out = run("models fetch gpen", &rc);
    EXPECT_EQ(rc, 2) << out;
    EXPECT_TRUE(contains(out, "has no torch module; install it with: apt-get install python3-torch")) << out;
    EXPECT_TRUE(fs::exists(cache / "modelscope" / kGpenId / "pytorch_model.pt"));
    env["FAKE_TORCH"] = "yes";
    out = run("models fetch gpen", &rc);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_TRUE(contains(out, "0 downloaded")) << out;
    EXPECT_EQ(stub_calls().size(), 2u);
}

TEST_F(Cli, ConvertFailuresAreExplained) {
    const fs::path src = tmp.path() / "src" / "pytorch_model.pt";
    write_bytes(src, 100, 5);
    int rc = -1;
    auto out = run("models convert nonsense " + sh_quote(src.string()), &rc);
    EXPECT_EQ(rc, 2);
    EXPECT_TRUE(contains(out, "unknown converter kind 'nonsense'") && contains(out, "realesrnet")) << out;
    out = run("models convert gpen /nonexistent/pytorch_model.pt", &rc);
    EXPECT_EQ(rc, 2);
    EXPECT_TRUE(contains(out, "/nonexistent/pytorch_model.pt does not exist")) << out;
    out = run("models convert gpen", &rc);
    EXPECT_EQ(rc, 2) << out;

    // The converter's own message and exit status come through.
    env["STUB_EXIT"] = "3";
    out = run("models convert gpen " + sh_quote(src.string()) + " -o " + sh_quote((tmp.path() / "o.pt").string()),
              &rc);
    EXPECT_EQ(rc, 3) << out;
    EXPECT_TRUE(contains(out, "gpen.py: error: " + src.string())) << out;
    EXPECT_TRUE(contains(out, "the gpen converter failed (exit 3)")) << out;
    env.erase("STUB_EXIT");

    env["FAKE_TORCH"] = "no";
    out = run("models convert gpen " + sh_quote(src.string()), &rc);
    EXPECT_EQ(rc, 2);
    EXPECT_TRUE(contains(out, "apt-get install python3-torch")) << out;
    env.erase("FAKE_TORCH");

    env["PORTRAIT_PYTHON"] = "/nonexistent/python3";
    out = run("models convert gpen " + sh_quote(src.string()), &rc);
    EXPECT_EQ(rc, 2);
    EXPECT_TRUE(contains(out, "/nonexistent/python3 not found")) << out;
    env["PORTRAIT_PYTHON"] = fake_python.string();

    fs::remove(convert_dir / "realesrnet.py");
    out = run("models convert realesrnet " + sh_quote(src.string()), &rc);
    EXPECT_EQ(rc, 2);
    EXPECT_TRUE(contains(out, (convert_dir / "realesrnet.py").string() + " does not exist")) << out;
    EXPECT_TRUE(stub_calls().size() == 1u);
}

TEST_F(Cli, ConvertWritesWhereTheStagesLook) {
    const fs::path hires = tmp.path() / "damo_cv_gpen_image-portrait-enhancement-hires" / "pytorch_model.pt";
    write_bytes(hires, 100, 6);
    int rc = -1;
    auto out = run("models convert gpen " + sh_quote(hires.string()), &rc);
    ASSERT_EQ(rc, 0) << out;
    EXPECT_TRUE(contains(out, "writing gpen-1024")) << out;
    EXPECT_TRUE(fs::exists(cache / "models" / "gpen-1024" / "model.pt.sha256"));
    out = run("models convert gpen-2048 " + sh_quote(hires.string()), &rc);
    ASSERT_EQ(rc, 0) << out;
    EXPECT_TRUE(fs::exists(cache / "models" / "gpen-2048" / "model.pt"));
    out = run("models convert skin-retouching " + sh_quote(hires.parent_path().string()), &rc);
    ASSERT_EQ(rc, 0) << out;
    EXPECT_TRUE(fs::exists(cache / "models" / "skin-retouching" / "generator.pt"));
}

TEST_F(Cli, RealConverterMessagesPassThrough) {
    if (::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "/usr/bin/python3 has no torch (apt-get install python3-torch)";
    const fs::path real = fs::path(PORTRAIT_SOURCE_DIR_FOR_TESTS) / "models" / "convert";
    if (!fs::exists(real / "skin_retouching.py")) GTEST_SKIP() << "models/convert/skin_retouching.py not written yet";
    env.erase("PORTRAIT_CONVERT_DIR");
    env.erase("PORTRAIT_PYTHON");
    const fs::path empty = tmp.path() / "empty-model";
    fs::create_directories(empty);
    int rc = -1;
    auto out = run("models convert skin-retouching " + sh_quote(empty.string()) + " -o " +
                       sh_quote((tmp.path() / "out").string()),
                   &rc);
    EXPECT_EQ(rc, 2) << out;
    EXPECT_TRUE(contains(out, "skin_retouching: error")) << out;
    EXPECT_TRUE(contains(out, "pytorch_model.pt")) << out;
    EXPECT_TRUE(contains(out, "the skin-retouching converter failed (exit 2)")) << out;
}

TEST_F(Cli, FetchWithTheRealGpenConverters) {
    const fs::path real = fs::path(PORTRAIT_SOURCE_DIR_FOR_TESTS) / "models" / "convert";
    if (!fs::exists(real / "gpen.py") || !fs::exists(real / "realesrnet.py"))
        GTEST_SKIP() << "models/convert/gpen.py or realesrnet.py not written yet";
    if (shared_dir().empty() || !fs::exists(shared_dir() / "fixtures" / "gpen_tiny" / "pytorch_model.pt"))
        GTEST_SKIP() << "../shared/fixtures (gpen_tiny, rrdbnet_tiny) absent";
    if (::system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "/usr/bin/python3 has no torch (apt-get install python3-torch)";
    make_gpen_hub();
    HubServer hub(hub_root);
    env["PORTRAIT_MODELSCOPE_ENDPOINT"] = hub.endpoint();
    env.erase("PORTRAIT_CONVERT_DIR");
    env.erase("PORTRAIT_PYTHON");
    int rc = -1;
    auto out = run("models fetch gpen", &rc);
    ASSERT_EQ(rc, 0) << out;
    for (const char* f : {"gpen-512/model.pt", "realesrnet-x2/model.pt"}) {
        const fs::path p = cache / "models" / f;
        ASSERT_TRUE(fs::exists(p)) << f << "\n" << out;
        EXPECT_NO_THROW(portrait::verify_sha256_sidecar(p)) << f;
    }
}

TEST_F(Cli, PackCopiesCheckedModelsWithSidecarsAndCatalogue) {
    int rc = -1;
    auto out = run("models pack " + sh_quote((tmp.path() / "empty-pack").string()), &rc);
    EXPECT_EQ(rc, 2) << out;
    EXPECT_TRUE(contains(out, "portrait models fetch")) << out;

    auto add = [&](const std::string& rel, const std::string& text, bool with_sidecar, bool good = true) {
        const fs::path p = cache / "models" / rel;
        write_text(p, text);
        if (with_sidecar)
            write_text(p.string() + ".sha256",
                       (good ? sha256_file(p) : std::string(64, '0')) + "  " + p.filename().string() + "\n");
    };
    add("gpen-512/model.pt", "gpen weights", true);
    add("realesrnet-x2/model.pt", "sr weights", true);
    add("gpen-512/model.pt.json", "{\"size\": 512}", false);
    add("skin-retouching/manifest.json", "{}", false);
    add("skin-retouching/generator.pt", "damaged", true, false);
    const fs::path pack = tmp.path() / "pack";
    out = run("models pack " + sh_quote(pack.string()), &rc);
    ASSERT_EQ(rc, 0) << out;
    EXPECT_TRUE(contains(out, "packed 2 files")) << out;
    EXPECT_TRUE(contains(out, "PORTRAIT_MODELS=" + pack.string())) << out;
    EXPECT_TRUE(contains(out, "not packed: skin-retouching/generator.pt")) << out;
    EXPECT_TRUE(contains(out, "not packed: skin-retouching/manifest.json")) << out;
    EXPECT_TRUE(contains(out, "copied without a checksum: gpen-512/model.pt.json")) << out;
    for (const char* f : {"gpen-512/model.pt", "gpen-512/model.pt.sha256", "gpen-512/model.pt.json",
                          "realesrnet-x2/model.pt.sha256",
                          "catalogue.yaml", "README.txt"})
        EXPECT_TRUE(fs::exists(pack / f)) << f;
    EXPECT_FALSE(fs::exists(pack / "skin-retouching"));
    EXPECT_NO_THROW(portrait::verify_sha256_sidecar(pack / "gpen-512" / "model.pt"));
    const std::string readme = read_text(pack / "README.txt");
    EXPECT_TRUE(contains(readme, "PORTRAIT_MODELS=")) << readme;
    EXPECT_TRUE(contains(readme, "~/.cache/portrait/models")) << readme;
    EXPECT_TRUE(contains(readme, "gpen-512/model.pt")) << readme;

    // The offline side: an empty cache plus PORTRAIT_MODELS=pack finds the models.
    const std::string cmd = "env -u MODELSCOPE_CACHE HOME=" + sh_quote(home.string()) +
                      " PORTRAIT_CACHE=" + sh_quote((tmp.path() / "offline-cache").string()) +
                      " PORTRAIT_MODELS=" + sh_quote(pack.string()) + " " + sh_quote(PORTRAIT_EXE) +
                      " models path gpen-512";
    out = run_shell(cmd, &rc);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_TRUE(contains(out, (pack / "gpen-512").string())) << out;

    // --model limits the pack; an unknown one is an error.
    out = run("models pack --model gpen-512 " + sh_quote((tmp.path() / "pack2").string()), &rc);
    EXPECT_EQ(rc, 0) << out;
    EXPECT_FALSE(fs::exists(tmp.path() / "pack2" / "realesrnet-x2"));
    out = run("models pack --model nope " + sh_quote((tmp.path() / "pack3").string()), &rc);
    EXPECT_EQ(rc, 2) << out;
}

// The catalogue has one reader, the CLI's parser: models/fetch.sh hands over to
// `portrait models fetch`, and the npm entries carry everything the fetch needs.
TEST(Catalogue, TheBundledOneGivesEveryNpmFetchItsPinnedFiles) {
    const auto cat = portrait::load_catalogue(fs::path(PORTRAIT_SOURCE_DIR_FOR_TESTS) / "models" / "catalogue.yaml");
    const auto* fm = cat.find("facemesh");
    ASSERT_TRUE(fm);
    EXPECT_EQ(fm->package, "@vladmandic/human");
    EXPECT_EQ(fm->integrity.rfind("sha512-", 0), 0u);
    ASSERT_FALSE(fm->npm_sources.empty());
    for (const auto& f : fm->npm_sources) EXPECT_EQ(f.sha256.size(), 64u) << f.path;
    EXPECT_NE(fm->npm_convert_command.find("models/convert/facemesh.py {src} -o {out}"), std::string::npos);
    EXPECT_FALSE(fm->on_request);
    ASSERT_TRUE(cat.find("esrgan-thick"));
    EXPECT_TRUE(cat.find("esrgan-thick")->on_request);
    const std::string script = read_text(fs::path(PORTRAIT_SOURCE_DIR_FOR_TESTS) / "models" / "fetch.sh");
    EXPECT_EQ(script.find("awk"), std::string::npos) << "models/fetch.sh parses the catalogue again";
    EXPECT_NE(script.find("models fetch"), std::string::npos);
}

TEST(Catalogue, AHostileNpmEntryIsRefusedNamingIt) {
    TempDir tmp;
    const std::string head =
        "models:\n  bad:\n    licence: MIT\n    source:\n      kind: npm\n      package: p\n      version: 1.0.0\n";
    const std::string good_integrity = "      integrity: sha512-AAAA\n";
    const std::string file = "    files:\n      - path: a/model.onnx\n        sha256: " + std::string(64, 'a') + "\n";
    struct Case {
        std::string text, says;
    } cases[] = {
        {head + file, "integrity"},
        {head + good_integrity + "    files:\n      - path: a/model.onnx\n        sha256: 1234\n", "64 hex"},
        {head + good_integrity + "    files:\n      - path: ../../etc/passwd\n        sha256: " + std::string(64, 'a') + "\n",
         "relative 'path'"},
        {head + good_integrity + file + "        dest: ../../.bashrc\n", "stay in the cache"},
        {head + good_integrity + file + "    convert:\n      output: x.onnx\n", "'convert' needs a 'command'"},
    };
    for (const auto& c : cases) {
        const fs::path f = tmp.path() / "catalogue.yaml";
        write_text(f, c.text);
        try {
            portrait::load_catalogue(f);
            ADD_FAILURE() << "accepted:\n" << c.text;
        } catch (const std::runtime_error& e) {
            const std::string m = e.what();
            EXPECT_NE(m.find(f.string() + ": model 'bad'"), std::string::npos) << m;
            EXPECT_NE(m.find(c.says), std::string::npos) << m;
        }
    }
}
