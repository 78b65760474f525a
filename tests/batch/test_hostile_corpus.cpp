// Hostile names and files, made inside the test (no odd file names are committed): names
// that are not UTF-8 or hold control bytes, a 250-byte name, a glob that climbs out of
// the output folder, a pipeline name that is not UTF-8, damaged and lying images. Each
// case has its exact outcome, and all of them together in one batch: exit 1, the report
// and the resume manifest written, every good image written and decodable.
#include <unistd.h>

#include <fstream>

#include "batch_fixture.hpp"

namespace {

using bt::fs::path;

const std::string kBadUtf8 = "bad\xff\xfe name.jpg";       // not UTF-8
const std::string kControl = "esc\x1b[31mred\nline.png";    // a terminal escape and a newline
const std::string kLong = std::string(246, 'n') + ".jpg";  // 250 bytes: legal on ext4

// JPEG with most of its entropy-coded data cut out but the end marker kept: libjpeg
// fills the rest with grey and only warns.
std::vector<unsigned char> jpeg_scan_mostly_removed() {
    std::vector<unsigned char> b = bt::encode(".jpg", bt::photo(300, 200, 7));
    std::size_t sos = 0;
    for (std::size_t i = 0; i + 1 < b.size(); ++i)
        if (b[i] == 0xFF && b[i + 1] == 0xDA) sos = i;
    const std::size_t header_end = sos + 2 + (std::size_t(b[sos + 2]) << 8 | b[sos + 3]);
    const std::size_t keep = (b.size() - header_end) * 3 / 100;
    std::vector<unsigned char> out(b.begin(), b.begin() + std::ptrdiff_t(header_end + keep));
    out.insert(out.end(), {0xFF, 0xD9});
    return out;
}

// A small JPEG whose frame header claims 32768 x 32768.
std::vector<unsigned char> jpeg_claiming_32768() {
    std::vector<unsigned char> b = bt::encode(".jpg", bt::photo(16, 16, 2));
    for (std::size_t i = 0; i + 8 < b.size(); ++i)
        if (b[i] == 0xFF && b[i + 1] == 0xC0) {
            b[i + 5] = 0x80, b[i + 6] = 0x00;  // height
            b[i + 7] = 0x80, b[i + 8] = 0x00;  // width
            break;
        }
    return b;
}

class Hostile : public BatchCli {
protected:
    // The report item whose input is exactly in()/name as the report escapes it.
    nlohmann::json item_named(const std::string& shown) const {
        const nlohmann::json rep = report();
        for (const auto& it : rep["items"])
            if (it["input"] == (in() / shown).string()) return it;
        ADD_FAILURE() << "no report item for " << shown;
        return {};
    }
    std::string manifest_text() const {
        std::ifstream f(out() / ".portrait" / "manifest.jsonl");
        return std::string(std::istreambuf_iterator<char>(f), {});
    }
};

}  // namespace

TEST_F(Hostile, NameThatIsNotUtf8FailsNothingAndIsWritten) {
    put_image("good.jpg", bt::photo(64, 48, 1));
    put_image(kBadUtf8, bt::photo(64, 48, 2));
    const auto r = run_all();
    ASSERT_EQ(r.code, 0) << r.err;
    // Written under its real name; reported with the bytes escaped.
    EXPECT_FALSE(read_out(kBadUtf8).empty());
    EXPECT_EQ(item_named("bad\\xff\\xfe name.jpg")["status"], "ok");
    EXPECT_EQ(item_named("good.jpg")["status"], "ok");
    // The manifest keeps the real bytes, so --resume finds the output again.
    EXPECT_NE(manifest_text().find("\"output_hex\""), std::string::npos);
    const auto again = run_all({"--resume"});
    ASSERT_EQ(again.code, 0) << again.err;
    EXPECT_EQ(item_named("bad\\xff\\xfe name.jpg")["status"], "skipped");
}

TEST_F(Hostile, ControlBytesInANameNeverReachTheTerminal) {
    put("x" + kControl, {'n', 'o', 't'});  // fails, so its name is logged
    put_image(kControl, bt::photo(40, 30, 3));
    const auto r = run_all();
    EXPECT_EQ(r.code, 1) << r.err;
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << "raw escape byte on stderr";
    EXPECT_NE(r.err.find("esc\\x1b[31mred\\x0aline.png"), std::string::npos) << r.err;
    EXPECT_FALSE(read_out(kControl).empty());
    EXPECT_EQ(item_named("esc\\x1b[31mred\\x0aline.png")["status"], "ok");
    EXPECT_EQ(item_named("xesc\\x1b[31mred\\x0aline.png")["status"], "failed");
}

TEST_F(Hostile, PipelineNameThatIsNotUtf8StillGivesAReport) {
    put_image("good.jpg", bt::photo(40, 30));
    const path pipe = tmp / "odd.yaml";
    std::ofstream(pipe) << "version: 1\nname: \"caf\xe9\"\nstages: []\n";  // Latin-1, not UTF-8
    const auto v = bt::run_portrait({"validate", pipe.string()}, cache());
    EXPECT_EQ(v.code, 0) << v.err;
    const auto r = run_all({}, pipe.string());
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(report()["pipeline"]["name"], "caf\\xe9");
}

TEST_F(Hostile, NameOf250BytesIsWritten) {
    put_image(kLong, bt::photo(40, 30));
    const auto r = run_all();
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_FALSE(read_out(kLong).empty());
}

TEST_F(Hostile, GlobThatClimbsOutOfTheOutputFolderStaysInside) {
    bt::fs::create_directories(tmp / "work" / "G1");
    put_image("x/a.png", bt::photo(40, 30));
    // From tmp/work, 'G*/../../in/x/a.png' is tmp/in/x/a.png; its output must land in out/.
    const auto r = run({"G*/../../in/x/a.png", "-o", out().string()}, bt::tone_pipeline(),
                       "cd " + bt::quote((tmp / "work").string()) + " &&");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_FALSE(read_out("in/x/a.png").empty());
    for (const auto& e : bt::fs::recursive_directory_iterator(tmp.path())) {
        if (!e.is_regular_file()) continue;
        const auto rel = e.path().lexically_relative(tmp.path()).generic_string();
        const bool allowed = rel.rfind("out/", 0) == 0 || rel.rfind("cache/", 0) == 0 || rel == "in/x/a.png" ||
                             rel == "report.json";
        EXPECT_TRUE(allowed) << "written outside the output folder: " << rel;
    }
}

TEST_F(Hostile, DamagedJpegScanFailsWithTheDecodersReason) {
    put_image("good.jpg", bt::photo(40, 30));
    put("cut-scan.jpg", jpeg_scan_mostly_removed());
    const auto r = run_all();
    EXPECT_EQ(r.code, 1) << r.err;
    const auto it = item_named("cut-scan.jpg");
    EXPECT_EQ(it["status"], "failed");
    EXPECT_NE(it["error"].get<std::string>().find("cut-scan.jpg"), std::string::npos) << it["error"];
    EXPECT_FALSE(bt::fs::exists(out() / "cut-scan.jpg"));
}

TEST_F(Hostile, TinyJpegClaiming32768SquaredIsRefusedBeforeDecodingWithoutAnyLimitSet) {
    put_image("good.jpg", bt::photo(40, 30));
    put("huge.jpg", jpeg_claiming_32768());
    const auto r = run_all();
    EXPECT_EQ(r.code, 1) << r.err;
    const auto it = item_named("huge.jpg");
    EXPECT_EQ(it["status"], "failed");
    EXPECT_NE(it["error"].get<std::string>().find("refused before decoding"), std::string::npos) << it["error"];
}

TEST_F(Hostile, AllTogetherInOneBatch) {
    const std::vector<std::string> good{"good.jpg", "sub/good.png", kBadUtf8, kControl, kLong};
    for (std::size_t i = 0; i < good.size(); ++i) put_image(good[i], bt::photo(64, 48, int(i) + 1));
    put("cut-scan.jpg", jpeg_scan_mostly_removed());
    put("huge.jpg", jpeg_claiming_32768());
    put("empty.png", {});
    put("text.webp", {'h', 'e', 'l', 'l', 'o'});
    const auto r = run_all();
    EXPECT_EQ(r.code, 1) << r.err;
    const nlohmann::json rep = report();
    EXPECT_EQ(rep["totals"]["ok"], int(good.size()));
    EXPECT_EQ(rep["totals"]["failed"], 4);
    for (const auto& g : good) {
        const cv::Mat m = read_out(g);
        EXPECT_FALSE(m.empty()) << "good image not written or not decodable: " << bt::quote(g);
        EXPECT_EQ(m.cols, 64);
    }
    for (const char* bad : {"cut-scan.jpg", "huge.jpg", "empty.png", "text.webp"}) {
        EXPECT_EQ(item_named(bad)["status"], "failed") << bad;
        EXPECT_FALSE(bt::fs::exists(out() / bad)) << bad;
    }
    EXPECT_TRUE(bt::temp_files_under(out()).empty());
    // Every written output is in the manifest, odd names included.
    const std::string m = manifest_text();
    EXPECT_EQ(std::count(m.begin(), m.end(), '{'), long(good.size())) << m;
}
