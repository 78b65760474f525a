// The HTML batch report: one self-describing page. The header says what ran (pipeline,
// the user's overrides, output quality); then a row per image, failures and images with
// no face first with their reasons, each with before/after thumbnails linking to the full
// output and, per face, a before/after crop at 100% (a face's change is invisible in a
// thumbnail of a group photo). Pictures live in "<stem>-thumbs" beside the page and load
// lazily, so a page of thousands scrolls; single-file, they are embedded as data: URIs so
// the page can be mailed.
#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>

#include "portrait/runtime/batch.hpp"
#include "portrait/runtime/text_escape.hpp"
#include "portrait/version.hpp"

namespace portrait {
namespace fs = std::filesystem;

namespace {

std::string base64(const std::vector<unsigned char>& b) {
    static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((b.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < b.size(); i += 3) {
        const unsigned v = unsigned(b[i]) << 16 | (i + 1 < b.size() ? unsigned(b[i + 1]) << 8 : 0u) |
                           (i + 2 < b.size() ? unsigned(b[i + 2]) : 0u);
        out += t[v >> 18 & 63];
        out += t[v >> 12 & 63];
        out += i + 1 < b.size() ? t[v >> 6 & 63] : '=';
        out += i + 2 < b.size() ? t[v & 63] : '=';
    }
    return out;
}

class Page {
public:
    Page(const fs::path& file, bool single_file) : dir_(file.parent_path()), single_(single_file) {
        std::error_code ec;
        base_ = fs::absolute(file, ec).parent_path().lexically_normal();
    }

    // An <img> of a picture in the thumbnails folder (`rel` to the page), or "" when the
    // single-file page cannot read it.
    std::string img(const std::string& rel, cv::Size size, const std::string& alt, const char* cls) const {
        std::string src;
        if (single_) {
            std::ifstream in(dir_ / rel, std::ios::binary);
            const std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            if (bytes.empty()) return "<small>(" + escape_html(rel) + " missing)</small>";
            src = "data:image/jpeg;base64," + base64(bytes);
        } else {
            src = escape_url_path(rel);
        }
        std::ostringstream h;
        // Width and height reserve the space before the picture loads: without them every
        // lazy image has no height and a long page would fetch them all at once.
        h << "<img class=" << cls << " loading=\"lazy\" decoding=\"async\" width=\"" << size.width << "\" height=\""
          << size.height << "\" src=\"" << src << "\" alt=\"" << escape_html(alt) << "\">";
        return h.str();
    }

    // The output, relative to the page where it can be.
    std::string href(const fs::path& output) const {
        std::error_code ec;
        const fs::path abs = fs::absolute(output, ec).lexically_normal();
        const fs::path rel = abs.lexically_relative(base_);
        return rel.empty() ? "file://" + escape_url_path(abs.generic_string()) : escape_url_path(rel.generic_string());
    }

private:
    fs::path dir_, base_;
    bool single_;
};

// Failures first, then images where no face was found, then the rest in input order.
int rank(const BatchItem& it) {
    if (it.status == ItemStatus::Failed) return 0;
    if (it.no_face) return 1;
    if (it.status == ItemStatus::Cancelled) return 2;
    return 3;
}

const char* kStyle = R"(body{font-family:system-ui,sans-serif;margin:1.5em;background:#fafafa;color:#222}
table{border-collapse:collapse;width:100%}td,th{padding:6px;vertical-align:top;text-align:left}
tr.item td{border-top:1px solid #ccc}img{display:block}img.thumb{max-width:320px;height:auto}
.ok{color:#176}.failed{color:#b00;font-weight:bold}.skipped,.cancelled{color:#777}.warn{color:#a60}
small{color:#555}code{font-size:90%}.faces{display:flex;flex-wrap:wrap;gap:14px}
figure{margin:0}figure .pair{display:flex;gap:3px}figcaption{font-size:85%;color:#444}
.label{font-size:75%;color:#777})";

void item_html(std::ostringstream& h, const BatchItem& it, std::size_t number, const Page& page) {
    const bool has_output = it.status == ItemStatus::Ok || it.status == ItemStatus::Skipped;
    const std::string link = has_output ? page.href(it.output) : "";
    h << "<tr class=\"item\"><td>" << number << "</td><td>";
    if (!it.thumb_before.empty()) h << page.img(it.thumb_before, it.thumb_size, "before", "thumb");
    h << "</td><td>";
    if (!it.thumb_after.empty())
        h << "<a href=\"" << link << "\">" << page.img(it.thumb_after, it.thumb_size, "after", "thumb") << "</a>";
    h << "</td><td><div class=\"" << to_string(it.status) << "\">" << to_string(it.status) << "</div>";
    h << "<div><small>in</small> <code>" << escape_html(it.input.string()) << "</code></div>";
    if (has_output)
        h << "<div><small>out</small> <a href=\"" << link << "\"><code>" << escape_html(it.output.string())
          << "</code></a></div>";
    if (!it.renamed_from.empty())
        h << "<div class=warn>renamed: " << escape_html(it.renamed_from.filename().string()) << " was taken ("
          << escape_html(it.rename_reason) << ")</div>";
    if (!it.error.empty()) h << "<div class=failed>" << escape_html(it.error) << "</div>";
    if (it.faces) h << "<div>faces: " << *it.faces << "</div>";
    if (it.output_quality > 0) {
        h << "<div><small>quality " << it.output_quality;
        if (it.input_jpeg_quality > 0) h << " (input JPEG: about " << it.input_jpeg_quality << ")";
        h << "</small></div>";
    }
    if (!it.report.stages.empty()) {
        h << "<div><small>";
        for (const auto& st : it.report.stages) {
            h << escape_html(st.id) << (st.changed ? " changed" : " unchanged");
            if (st.faces >= 0) h << ", " << st.faces << " face(s)";
            h << ", " << int(st.ms + 0.5) << " ms<br>";
        }
        h << "</small></div>";
    }
    for (const auto& w : it.warnings) h << "<div class=warn>" << escape_html(w) << "</div>";
    h << "</td></tr>\n";
    if (it.face_crops.empty()) return;
    h << "<tr><td></td><td colspan=3><div class=faces>";
    for (std::size_t i = 0; i < it.face_crops.size(); ++i) {
        const auto& c = it.face_crops[i];
        const std::string n = "face " + std::to_string(i + 1);
        h << "<figure><div class=pair><div><div class=label>before</div>"
          << page.img(c.before, c.shown, n + " before", "crop") << "</div><div><div class=label>after</div>"
          << page.img(c.after, c.shown, n + " after", "crop") << "</div></div><figcaption>" << n << ": ";
        if (c.shown == c.region.size())
            h << "100%, " << c.region.width << "&times;" << c.region.height << " px";
        else
            h << "scaled to " << int(100.0 * c.shown.width / c.region.width + 0.5) << "% (" << c.region.width
              << "&times;" << c.region.height << " px around a " << c.face.width << "&times;" << c.face.height
              << " px face)";
        h << "</figcaption></figure>";
    }
    if (it.faces && *it.faces > int(it.face_crops.size()))
        h << "<p><small>" << *it.faces - int(it.face_crops.size()) << " more face(s) not shown</small></p>";
    h << "</div></td></tr>\n";
}

}  // namespace

void write_html_report(const fs::path& file, const BatchSummary& s, const Runner& runner, bool single_file) {
    const Page page(file, single_file);
    const auto& cfg = runner.pipeline().config;
    std::ostringstream h;
    h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>portrait batch report</title>\n"
      << "<style>" << kStyle << "</style></head><body>\n";
    h << "<h1>portrait batch report</h1>\n<p>portrait " << PORTRAIT_VERSION_STRING << ", pipeline <code>"
      << escape_html(cfg.file.string()) << "</code> (" << escape_html(cfg.name) << "), working size at most " << cfg.resources.max_size
      << " px<br>\n<span class=overrides>overrides: ";
    if (s.overrides.empty()) h << "none (the pipeline file as it is)";
    for (std::size_t i = 0; i < s.overrides.size(); ++i) h << (i ? " " : "") << "<code>" << escape_html(s.overrides[i]) << "</code>";
    h << "</span><br>\nJPEG quality: "
      << (s.quality == "auto" ? "auto (each JPEG input's own, estimated from its quantisation tables)" : escape_html(s.quality))
      << "<br>\n"
      << s.items.size() << " image(s): <span class=ok>" << s.ok << " ok</span>, <span class=failed>" << s.failed
      << " failed</span>, " << s.skipped << " skipped, " << s.cancelled << " cancelled; " << s.no_face_warnings
      << " with no face found; " << s.renamed << " renamed to avoid a name collision"
      << (s.interrupted ? "; <b>interrupted</b>" : "") << "</p>\n";
    h << "<p><small>Failed images first, then images with no face found, then the rest in input order (#). "
         "Faces are shown before and after at 100% (the face box enlarged 1.4&times;); "
         "click an after picture for the full output.</small></p>\n";
    for (const auto& w : s.listing_warnings) h << "<p class=warn>" << escape_html(w) << "</p>\n";
    h << "<table><tr><th>#</th><th>Before</th><th>After</th><th>Details</th></tr>\n";
    std::vector<std::size_t> order(s.items.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return rank(s.items[a]) < rank(s.items[b]); });
    for (std::size_t i : order) item_html(h, s.items[i], i + 1, page);
    h << "</table></body></html>\n";
    const std::string text = h.str();
    if (!file.parent_path().empty()) {
        std::error_code ec;
        fs::create_directories(file.parent_path(), ec);
    }
    write_file_atomic(file, std::vector<unsigned char>(text.begin(), text.end()));
}

}  // namespace portrait
