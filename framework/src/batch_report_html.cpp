// The HTML batch report: one self-describing page, a row per image with its before
// and after thumbnails (files in "<stem>-thumbs" beside the page, loaded lazily so a
// page of thousands scrolls), status, faces, stages and warnings.
#include <sstream>

#include "portrait/runtime/batch.hpp"
#include "portrait/runtime/text_escape.hpp"
#include "portrait/version.hpp"

namespace portrait {
namespace fs = std::filesystem;

namespace {

// HTML-escaped clean text (file names may hold any bytes; the page is UTF-8).
std::string esc(const std::string& raw) {
    const std::string s = escape_text(raw, true);
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
        }
    }
    return out;
}

// Thumbnail paths are ours (ASCII digits), but escape anyway; spaces etc. need %-encoding.
std::string url(const std::string& s) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '/' || c == '.' || c == '-' || c == '_') out += char(c);
        else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

const char* kStyle = R"(body{font-family:system-ui,sans-serif;margin:1.5em;background:#fafafa;color:#222}
table{border-collapse:collapse;width:100%}td,th{padding:6px;border-bottom:1px solid #ddd;vertical-align:top;text-align:left}
img{max-width:320px;max-height:320px;display:block}.ok{color:#176}.failed{color:#b00;font-weight:bold}
.skipped,.cancelled{color:#777}.warn{color:#a60}small{color:#555}code{font-size:90%})";

}  // namespace

void write_html_report(const fs::path& file, const BatchSummary& s, const Runner& runner) {
    std::ostringstream h;
    h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>portrait batch report</title>\n"
      << "<style>" << kStyle << "</style></head><body>\n";
    h << "<h1>portrait batch report</h1>\n<p>portrait " << PORTRAIT_VERSION_STRING << ", pipeline <code>"
      << esc(runner.pipeline().config.file.string()) << "</code> (" << esc(runner.pipeline().config.name)
      << ")<br>" << s.items.size() << " image(s): <span class=ok>" << s.ok << " ok</span>, <span class=failed>"
      << s.failed << " failed</span>, " << s.skipped << " skipped, " << s.cancelled << " cancelled; "
      << s.no_face_warnings << " with no face found" << (s.interrupted ? "; <b>interrupted</b>" : "")
      << "</p>\n";
    for (const auto& w : s.listing_warnings) h << "<p class=warn>" << esc(w) << "</p>\n";
    h << "<table><tr><th>#</th><th>Before</th><th>After</th><th>Details</th></tr>\n";
    for (std::size_t i = 0; i < s.items.size(); ++i) {
        const BatchItem& it = s.items[i];
        h << "<tr><td>" << i + 1 << "</td><td>";
        if (!it.thumb_before.empty())
            h << "<img loading=lazy src=\"" << url(it.thumb_before) << "\" alt=\"before\">";
        h << "</td><td>";
        if (!it.thumb_after.empty()) h << "<img loading=lazy src=\"" << url(it.thumb_after) << "\" alt=\"after\">";
        h << "</td><td><div class=" << esc(it.status) << ">" << esc(it.status) << "</div>";
        h << "<div><small>in</small> <code>" << esc(it.input.string()) << "</code></div>";
        if (it.status == "ok" || it.status == "skipped")
            h << "<div><small>out</small> <code>" << esc(it.output.string()) << "</code></div>";
        if (!it.error.empty()) h << "<div class=failed>" << esc(it.error) << "</div>";
        if (it.faces) h << "<div>faces: " << *it.faces << "</div>";
        if (!it.report.stages.empty()) {
            h << "<div><small>";
            for (const auto& st : it.report.stages) {
                h << esc(st.id) << (st.changed ? " changed" : " unchanged");
                if (st.faces >= 0) h << ", " << st.faces << " face(s)";
                h << ", " << int(st.ms + 0.5) << " ms<br>";
            }
            h << "</small></div>";
        }
        for (const auto& w : it.warnings) h << "<div class=warn>" << esc(w) << "</div>";
        h << "</td></tr>\n";
    }
    h << "</table></body></html>\n";
    const std::string text = h.str();
    if (!file.parent_path().empty()) {
        std::error_code ec;
        fs::create_directories(file.parent_path(), ec);
    }
    write_file_atomic(file, std::vector<unsigned char>(text.begin(), text.end()));
}

}  // namespace portrait
