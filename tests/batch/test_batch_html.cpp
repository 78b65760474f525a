// The HTML report as its reader uses it: failures and images with no face first with
// their reasons, each face before and after at 100% (crops that match the input and the
// output pixel for pixel, up to JPEG), a link to the full output, the user's overrides in
// the header, lazy images, hostile names escaped, and a single-file form with every picture
// embedded. test_faces finds pure red squares; test_mark paints them blue.
#include <opencv2/imgproc.hpp>

#include "batch_fixture.hpp"

namespace {

using bt::fs::path;

std::string text_of(const path& file) {
    const auto b = bt::read_bytes(file);
    return std::string(b.begin(), b.end());
}

int count(const std::string& s, const std::string& what) {
    int n = 0;
    for (auto at = s.find(what); at != std::string::npos; at = s.find(what, at + 1)) ++n;
    return n;
}

std::vector<unsigned char> from_base64(const std::string& s) {
    std::vector<unsigned char> out;
    unsigned v = 0;
    int bits = 0;
    for (char c : s) {
        int d;
        if (c >= 'A' && c <= 'Z') d = c - 'A';
        else if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
        else if (c >= '0' && c <= '9') d = c - '0' + 52;
        else if (c == '+') d = 62;
        else if (c == '/') d = 63;
        else break;  // '=' or the closing quote
        v = v << 6 | unsigned(d);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back((unsigned char)(v >> bits & 0xFF));
        }
    }
    return out;
}

// Mean absolute difference per channel value.
double mean_diff(const cv::Mat& a, const cv::Mat& b) {
    cv::Mat d;
    cv::absdiff(a, b, d);
    const cv::Scalar m = cv::mean(d);
    return (m[0] + m[1] + m[2]) / 3;
}

cv::Mat jpeg_roundtrip(const cv::Mat& m, int quality) {
    std::vector<unsigned char> buf;
    cv::imencode(".jpg", m, buf, {cv::IMWRITE_JPEG_QUALITY, quality});
    return cv::imdecode(buf, cv::IMREAD_COLOR);
}

class BatchHtml : public BatchCli {
protected:
    const std::string hostile = "<b>&x'.png";
    void SetUp() override {
        BatchCli::SetUp();
        put("broken.jpg", {0xFF, 0xD8, 0xFF});
        put_image("g.png", bt::with_faces(bt::photo(400, 300), 2));  // faces at (50,50) and (150,50), 50 px
        put_image("nobody.png", bt::photo(96, 64, 3));
        put_image(hostile, bt::photo(96, 64, 4));
        cv::Mat big = bt::photo(900, 900, 5);
        cv::rectangle(big, cv::Rect(150, 150, 600, 600), cv::Scalar(0, 0, 255), cv::FILLED);
        put_image("big.png", big);
    }
    // The picture `rel` names (relative to the page in tmp/).
    cv::Mat picture(const std::string& rel) const { return cv::imread((tmp / rel).string(), cv::IMREAD_COLOR); }
    // Index (input order) of the item whose input ends with `name`, as the picture files name it.
    std::string index_of(const std::string& name) const {
        const auto rep = report();
        for (std::size_t i = 0; i < rep["items"].size(); ++i) {
            const std::string in = rep["items"][i]["input"];
            if (in.size() >= name.size() && in.compare(in.size() - name.size(), name.size(), name) == 0) {
                char s[32];
                std::snprintf(s, sizeof s, "%06zu", i);
                return s;
            }
        }
        ADD_FAILURE() << name;
        return "";
    }
};

TEST_F(BatchHtml, FacesAtFullSizeFailuresFirstOverridesLazyAndEscaped) {
    const auto r = run_all({"--report", (tmp / "page.html").string(), "--max-size", "1024", "--threads", "2",
                            "--enable", "test_mark"},
                           bt::test_pipeline("faces"));
    ASSERT_EQ(r.code, 1) << r.err;  // broken.jpg
    const std::string s = text_of(tmp / "page.html");

    // Rows: the failure, then the images with no face (input order), then the rest.
    const auto row = [&](const std::string& name) { return s.find("in/" + name + "</code>"); };
    const std::string hostile_html = "&lt;b&gt;&amp;x&#39;.png";
    ASSERT_NE(row("broken.jpg"), std::string::npos);
    EXPECT_LT(row("broken.jpg"), row(hostile_html));
    EXPECT_LT(row(hostile_html), row("nobody.png"));
    EXPECT_LT(row("nobody.png"), row("big.png"));
    EXPECT_LT(row("big.png"), row("g.png"));
    // ...with their reasons in their rows.
    const auto row_text = [&](const std::string& name) {
        const auto at = row(name);
        return s.substr(at, s.find("<tr class=\"item\">", at) - at);
    };
    EXPECT_NE(row_text("broken.jpg").find("<div class=failed>" + item("broken.jpg")["error"].get<std::string>()),
              std::string::npos)
        << row_text("broken.jpg");
    EXPECT_NE(row_text("nobody.png").find("no_face: stage &#39;test_faces&#39; found no face"), std::string::npos)
        << row_text("nobody.png");

    // The overrides as typed, in the header.
    for (const char* o : {"<code>--enable test_mark</code>", "<code>--max-size 1024</code>", "<code>--threads 2</code>"})
        EXPECT_NE(s.find(o), std::string::npos) << o;
    EXPECT_LT(s.find("--max-size 1024"), s.find("<table>"));
    EXPECT_EQ(report()["overrides"], nlohmann::json({"--enable test_mark", "--max-size 1024", "--threads 2"}));

    // g.png: each face before (red) and after (blue) at 100%, the 50 px box enlarged to 70 px.
    EXPECT_EQ(item("/g.png")["face_boxes"], nlohmann::json({{50, 50, 50, 50}, {150, 50, 50, 50}}));
    const std::string g = index_of("/g.png");
    const cv::Mat in_g = cv::imread((in() / "g.png").string()), out_g = read_out("g.png", cv::IMREAD_COLOR);
    for (int f = 1; f <= 2; ++f) {
        const std::string stem = "page-thumbs/" + g + "-face" + std::to_string(f);
        const cv::Mat before = picture(stem + "-before.jpg"), after = picture(stem + "-after.jpg");
        ASSERT_EQ(before.size(), cv::Size(70, 70)) << stem;
        ASSERT_EQ(after.size(), cv::Size(70, 70)) << stem;
        const cv::Rect region((f - 1) * 100 + 40, 40, 70, 70);
        // The crop is the region's own pixels, JPEG-coded at the crops' quality: a scaled or
        // shifted crop of this noisy photo would differ by far more than the coding does.
        EXPECT_LT(mean_diff(before, jpeg_roundtrip(in_g(region), 95)), 1.0) << "the input's pixels, unscaled";
        EXPECT_LT(mean_diff(after, jpeg_roundtrip(out_g(region), 95)), 1.0) << "the output's pixels, unscaled";
        EXPECT_GT(mean_diff(before, in_g(region + cv::Point(3, 0))), 3.0) << "the comparison can tell a shift";
        const cv::Vec3b b = before.at<cv::Vec3b>(35, 35), a = after.at<cv::Vec3b>(35, 35);
        EXPECT_GT(b[2], 200);
        EXPECT_LT(b[0], 60);  // red before
        EXPECT_GT(a[0], 200);
        EXPECT_LT(a[2], 60);  // blue after
        EXPECT_NE(s.find("width=\"70\" height=\"70\" src=\"" + stem + "-before.jpg\""), std::string::npos) << stem;
    }
    EXPECT_NE(s.find("face 2: 100%, 70&times;70 px"), std::string::npos);
    // big.png: a 600 px face, 840 px with its margin, is scaled to 512 and says so.
    const cv::Mat big_crop = picture("page-thumbs/" + index_of("big.png") + "-face1-after.jpg");
    EXPECT_EQ(big_crop.size(), cv::Size(512, 512));
    EXPECT_NE(s.find("face 1: scaled to 61% (840&times;840 px around a 600&times;600 px face)"), std::string::npos);
    EXPECT_EQ(s.find(index_of("nobody.png") + "-face"), std::string::npos) << "no face, no crops";

    // The after thumbnail and the output's name link to the full output, relative to the page.
    EXPECT_EQ(count(s, "<a href=\"out/g.png\">"), 2);
    EXPECT_NE(s.find("<a href=\"out/%3Cb%3E%26x%27.png\">"), std::string::npos);
    // Every picture loads lazily, with its size reserved.
    EXPECT_GT(count(s, "<img "), 10);
    EXPECT_EQ(count(s, "<img "), count(s, "loading=\"lazy\""));
    EXPECT_EQ(count(s, "<img "), count(s, " width=\""));
    // The hostile name never reaches the page as markup.
    EXPECT_EQ(s.find("<b>&x"), std::string::npos);
}

TEST_F(BatchHtml, SingleFileEmbedsEveryPicture) {
    const path page = tmp / "mail" / "page.html";
    const auto r = run_all({"--report", page.string(), "--report-single-file"}, bt::test_pipeline("faces"));
    ASSERT_EQ(r.code, 1) << r.err;
    const std::string s = text_of(page);
    const int images = count(s, "<img ");
    EXPECT_GT(images, 10);
    EXPECT_EQ(count(s, "src=\""), images);
    EXPECT_EQ(count(s, "src=\"data:image/jpeg;base64,"), images) << "no picture outside the page";
    EXPECT_EQ(count(s, "loading=\"lazy\""), images);
    EXPECT_FALSE(bt::fs::exists(tmp / "mail" / "page-thumbs")) << "the pictures are in the page";
    // The big face's crops (before, then after) decode to the size the page gives them.
    const std::string tag = "width=\"512\" height=\"512\" src=\"data:image/jpeg;base64,";
    const auto at = s.find(tag), at2 = s.find(tag, at + 1);
    ASSERT_NE(at2, std::string::npos);
    const cv::Mat before = cv::imdecode(from_base64(s.substr(at + tag.size(), at2 - at)), cv::IMREAD_COLOR);
    const cv::Mat after = cv::imdecode(from_base64(s.substr(at2 + tag.size(), 400000)), cv::IMREAD_COLOR);
    ASSERT_EQ(before.size(), cv::Size(512, 512));
    ASSERT_EQ(after.size(), cv::Size(512, 512));
    EXPECT_GT(before.at<cv::Vec3b>(256, 256)[2], 200) << "before: red";
    EXPECT_GT(after.at<cv::Vec3b>(256, 256)[0], 200) << "after: blue";

    EXPECT_EQ(run_all({"--report-single-file"}, bt::test_pipeline("faces")).code, 2) << "needs an HTML report";
}

}  // namespace
