// The HTML page of a merged shard report: what ran, a table of the shards with their
// totals, then every image, failures and images with warnings first, each linking to
// its output. The per-face crops stay in each shard's own page (they are pictures the
// shard made while it had the images in memory); this page is the batch's index.
#include <algorithm>
#include <sstream>

#include "portrait/runtime/image_io.hpp"
#include "portrait/runtime/report_merge.hpp"
#include "portrait/runtime/text_escape.hpp"

namespace portrait {
namespace fs = std::filesystem;

namespace {

std::string str(const nlohmann::json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Sort key: failed, cancelled, with warnings, then the rest, each in input order.
int rank(const nlohmann::json& item) {
    const std::string s = str(item, "status");
    if (s == "failed") return 0;
    if (s == "cancelled") return 1;
    const auto w = item.find("warnings");
    return w != item.end() && w->is_array() && !w->empty() ? 2 : 3;
}

// A link relative to the page where possible, every unsafe byte %-encoded.
std::string href(const fs::path& page_dir, const std::string& target) {
    std::error_code ec;
    fs::path rel = fs::path(target).lexically_relative(fs::absolute(page_dir, ec));
    if (rel.empty() || fs::path(target).is_relative()) rel = target;
    return escape_url_path(rel.string());
}

}  // namespace

void write_merged_html_report(const fs::path& file, const nlohmann::json& m) {
    const fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    const nlohmann::json& t = m["totals"];
    std::ostringstream h;
    h << "<!doctype html><html><head><meta charset=\"utf-8\"><title>portrait: merged report</title><style>"
         "body{font:14px sans-serif;margin:1.5em}table{border-collapse:collapse}"
         "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}"
         ".failed{background:#fdd}.cancelled{background:#eee}.warn{background:#ffd}</style></head><body>\n";
    h << "<h1>" << escape_html(str(m["pipeline"], "name")) << ": " << t["images"].get<std::size_t>()
      << " images from " << m["shards"].size() << " of " << m["shard"]["count"].get<int>() << " shards</h1>\n";
    h << "<p>" << t["ok"].get<int>() << " written, " << t["failed"].get<int>() << " failed, "
      << t["skipped"].get<int>() << " skipped (up to date), " << t["cancelled"].get<int>() << " cancelled; "
      << t["warnings"]["no_face"].get<int>() << " with no face found. Pipeline "
      << escape_html(str(m["pipeline"], "file")) << ", fingerprint <code>"
      << escape_html(str(m["pipeline"], "fingerprint")).substr(0, 16) << "</code>; " << escape_html(str(m, "tool"))
      << ". The batch took " << m["run"]["wall_s"].get<double>() << " s (its slowest shard).</p>\n";
    if (!m["shards_missing"].empty()) {
        h << "<p class=failed><b>Missing shards:</b>";
        for (const auto& i : m["shards_missing"]) h << " " << i.get<int>();
        h << ". This page does not cover the whole batch.</p>\n";
    }
    h << "<h2>Shards</h2><table><tr><th>shard</th><th>report</th><th>images</th><th>ok</th><th>failed</th>"
         "<th>skipped</th><th>cancelled</th><th>wall s</th></tr>\n";
    for (const auto& s : m["shards"]) {
        const std::string f = str(s, "file");
        const std::string page = fs::path(f).replace_extension(".html").string();
        std::error_code ec;
        h << "<tr" << (s["failed"].get<int>() ? " class=failed" : "") << "><td>" << s["index"].get<int>() << "/"
          << s["count"].get<int>() << "</td><td>" << escape_html(f);
        if (fs::exists(page, ec)) h << " (<a href=\"" << href(dir, page) << "\">page with crops</a>)";
        h << "</td><td>" << s["images"].get<std::size_t>() << "</td><td>" << s["ok"].get<int>() << "</td><td>"
          << s["failed"].get<int>() << "</td><td>" << s["skipped"].get<int>() << "</td><td>"
          << s["cancelled"].get<int>() << "</td><td>" << s["wall_s"].get<double>() << "</td></tr>\n";
    }
    h << "</table>\n<h2>Images</h2><table><tr><th>input</th><th>status</th><th>shard</th><th>faces</th>"
         "<th>output</th><th>messages</th></tr>\n";
    std::vector<const nlohmann::json*> items;
    for (const auto& it : m["items"]) items.push_back(&it);
    std::stable_sort(items.begin(), items.end(),
                     [](const nlohmann::json* a, const nlohmann::json* b) { return rank(*a) < rank(*b); });
    for (const nlohmann::json* it : items) {
        const int r = rank(*it);
        const std::string out = str(*it, "output");
        h << "<tr" << (r == 0 ? " class=failed" : r == 1 ? " class=cancelled" : r == 2 ? " class=warn" : "")
          << "><td>" << escape_html(str(*it, "input")) << "</td><td>" << escape_html(str(*it, "status"))
          << "</td><td>" << it->value("shard", 0) << "</td><td>"
          << (it->contains("faces") && (*it)["faces"].is_number() ? std::to_string((*it)["faces"].get<int>()) : "")
          << "</td><td>";
        if (!out.empty()) h << "<a href=\"" << href(dir, out) << "\">" << escape_html(out) << "</a>";
        h << "</td><td>" << escape_html(str(*it, "error"));
        if (const auto w = it->find("warnings"); w != it->end() && w->is_array())
            for (const auto& x : *w)
                if (x.is_string()) h << "<br>" << escape_html(x.get<std::string>());
        h << "</td></tr>\n";
    }
    h << "</table></body></html>\n";
    const std::string text = h.str();
    write_file_atomic(file, std::vector<unsigned char>(text.begin(), text.end()));
}

}  // namespace portrait
