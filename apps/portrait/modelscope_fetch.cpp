#include "modelscope_fetch.hpp"

#include <fnmatch.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include <curl/curl.h>
#include <nlohmann/json.hpp>

#include "portrait/runtime/model_catalogue.hpp"
#include "portrait/runtime/sha256.hpp"
#include "portrait/runtime/temp_dir.hpp"
#include "portrait/version.hpp"

namespace portrait::cli {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxListingBytes = 32u << 20;  // a listing is a few KiB; refuse runaway answers

void ensure_curl_init() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw FetchError("libcurl failed to initialise");
    });
}

struct Easy {
    CURL* h;
    Easy() : h(curl_easy_init()) {
        if (!h) throw FetchError("libcurl: curl_easy_init failed");
    }
    ~Easy() { curl_easy_cleanup(h); }
    Easy(const Easy&) = delete;
    Easy& operator=(const Easy&) = delete;
};

std::string escape(const std::string& s) {
    ensure_curl_init();
    char* e = curl_easy_escape(nullptr, s.c_str(), int(s.size()));
    std::string out(e ? e : "");
    curl_free(e);
    return out;
}

std::string model_base(const std::string& endpoint, const std::string& model_id) {
    auto [org, name] = split_model_id(model_id);
    std::string ep = endpoint;
    while (!ep.empty() && ep.back() == '/') ep.pop_back();
    return ep + "/api/v1/models/" + escape(org) + "/" + escape(name);
}

void say(const FetchOptions& o, const std::string& line) {
    if (o.log) o.log(line);
}

std::string human(std::uint64_t bytes) {
    char buf[32];
    if (bytes >= (1u << 20))
        std::snprintf(buf, sizeof buf, "%.1f MB", double(bytes) / 1e6);
    else
        std::snprintf(buf, sizeof buf, "%llu bytes", static_cast<unsigned long long>(bytes));
    return buf;
}

// Progress of one transfer: a line every few seconds for big files; Ctrl-C aborts.
struct Progress {
    const FetchOptions* o = nullptr;
    std::string path;            // empty: no progress lines
    std::uint64_t offset = 0, total = 0;
    std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
};

int on_progress(void* ud, curl_off_t, curl_off_t now, curl_off_t, curl_off_t) {
    if (cancel_requested()) return 1;
    auto* p = static_cast<Progress*>(ud);
    const auto t = std::chrono::steady_clock::now();
    if (p && !p->path.empty() && p->total > 0 && t - p->last >= std::chrono::seconds(5)) {
        p->last = t;
        const std::uint64_t done = p->offset + std::uint64_t(now);
        say(*p->o, "  " + p->path + ": " + std::to_string(done * 100 / p->total) + "% (" + human(done) + " of " +
                       human(p->total) + ")");
    }
    return 0;
}

// Common transfer settings: redirects (the hub sends files from a CDN), http(s) only,
// stall detection, no signals (threads), and Ctrl-C aborts through the progress callback.
void setup(CURL* h, const std::string& url, const FetchOptions& o, char* errbuf, Progress* progress) {
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, 8L);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(h, CURLOPT_USERAGENT, "portrait/" PORTRAIT_VERSION_STRING);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, o.connect_timeout_s);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, o.low_speed_time_s);
    curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, progress);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    errbuf[0] = '\0';
}

std::string curl_message(CURLcode rc, const char* errbuf) {
    std::string m = errbuf && errbuf[0] ? errbuf : curl_easy_strerror(rc);
    while (!m.empty() && (m.back() == '\n' || m.back() == '\r')) m.pop_back();
    return m;
}

long response_code(CURL* h) {
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    return code;
}

// Client errors other than timeouts and rate limits will not change on retry.
bool permanent_http_error(long code) { return code >= 400 && code < 500 && code != 408 && code != 429; }

void back_off(const FetchOptions& o, int attempt) {
    auto d = o.retry_delay * (1 << std::min(attempt - 1, 5));
    d = std::min<std::chrono::milliseconds>(d, std::chrono::seconds(30));
    std::this_thread::sleep_for(d);
}

size_t append_string(char* p, size_t size, size_t n, void* ud) {
    auto* s = static_cast<std::string*>(ud);
    if (s->size() + size * n > kMaxListingBytes) return 0;
    s->append(p, size * n);
    return size * n;
}

std::string get_text(const std::string& url, const FetchOptions& o) {
    ensure_curl_init();
    std::string last;
    bool answered = false;  // some attempt got an HTTP status
    for (int attempt = 1; attempt <= o.attempts; ++attempt) {
        Easy e;
        char errbuf[CURL_ERROR_SIZE];
        std::string body;
        setup(e.h, url, o, errbuf, nullptr);
        curl_easy_setopt(e.h, CURLOPT_WRITEFUNCTION, append_string);
        curl_easy_setopt(e.h, CURLOPT_WRITEDATA, &body);
        const CURLcode rc = curl_easy_perform(e.h);
        if (rc == CURLE_OK) return body;
        if (rc == CURLE_ABORTED_BY_CALLBACK) throw FetchError("interrupted while reading " + url);
        const long code = response_code(e.h);
        last = curl_message(rc, errbuf);
        answered |= code != 0;
        if (rc == CURLE_HTTP_RETURNED_ERROR && permanent_http_error(code))
            throw FetchError("GET " + url + ": HTTP " + std::to_string(code) +
                             (code == 404 ? " (no such model or revision on this hub)" : ""));
        if (attempt < o.attempts) {
            say(o, "  " + url + ": " + last + "; retrying (" + std::to_string(attempt) + "/" +
                       std::to_string(o.attempts) + ")");
            back_off(o, attempt);
        }
    }
    const std::string m = "GET " + url + " failed after " + std::to_string(o.attempts) + " attempts: " + last;
    if (answered) throw FetchError(m);
    throw HubUnreachable(m);
}

bool safe_relative(const std::string& p) {
    if (p.empty() || p.front() == '/' || p.find('\\') != std::string::npos || p.find('\0') != std::string::npos)
        return false;
    for (const auto& part : fs::path(p))
        if (part == ".." || part == ".") return false;
    return true;
}

// Where the body of one Range/full GET goes. The first write checks what the server
// answered: 206 must start where the .part file ends; 200 means it ignored the Range
// header, so the .part file is truncated and filled from the start.
struct Sink {
    CURL* h = nullptr;
    std::FILE* f = nullptr;
    std::uint64_t offset = 0;   // bytes in the .part file before this transfer
    std::uint64_t limit = 0;    // the listed size: never write past it
    std::uint64_t written = 0;  // this transfer
    long range_start = -1;      // from Content-Range of the last response
    bool checked = false;
    bool overflow = false, write_failed = false, bad_range = false;
};

size_t on_header(char* p, size_t size, size_t n, void* ud) {
    auto* s = static_cast<Sink*>(ud);
    std::string line(p, size * n);
    if (line.rfind("HTTP/", 0) == 0) s->range_start = -1;  // a new response (after a redirect)
    std::string lower = line;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    if (lower.rfind("content-range:", 0) == 0) {
        const auto b = lower.find("bytes");
        if (b != std::string::npos) s->range_start = std::strtol(lower.c_str() + b + 5, nullptr, 10);
    }
    return size * n;
}

size_t on_body(char* p, size_t size, size_t n, void* ud) {
    auto* s = static_cast<Sink*>(ud);
    const size_t len = size * n;
    if (!s->checked) {
        s->checked = true;
        const long code = response_code(s->h);
        if (s->offset > 0 && code == 200) {
            if (std::fflush(s->f) != 0 || ftruncate(fileno(s->f), 0) != 0 || std::fseek(s->f, 0, SEEK_SET) != 0) {
                s->write_failed = true;
                return 0;
            }
            s->offset = 0;
        } else if (code == 206 && (s->range_start < 0 || std::uint64_t(s->range_start) != s->offset)) {
            s->bad_range = true;
            return 0;
        }
    }
    if (s->offset + s->written + len > s->limit) {
        s->overflow = true;
        return 0;
    }
    if (std::fwrite(p, 1, len, s->f) != len) {
        s->write_failed = true;
        return 0;
    }
    s->written += len;
    return len;
}

std::uint64_t file_size_or_zero(const fs::path& p) {
    std::error_code ec;
    auto n = fs::file_size(p, ec);
    return ec ? 0 : n;
}

bool matches(const fs::path& file, const HubFile& f) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec) || fs::file_size(file, ec) != f.size) return false;
    return f.sha256.empty() || sha256_file(file) == f.sha256;
}

}  // namespace

std::string default_modelscope_endpoint() {
    const char* env = std::getenv("PORTRAIT_MODELSCOPE_ENDPOINT");
    return env && *env ? env : "https://www.modelscope.cn";
}

std::string file_list_url(const std::string& endpoint, const std::string& model_id, const std::string& revision) {
    return model_base(endpoint, model_id) + "/repo/files?Revision=" + escape(revision) + "&Recursive=True";
}

std::string file_url(const std::string& endpoint, const std::string& model_id, const std::string& revision,
                     const std::string& path) {
    return model_base(endpoint, model_id) + "/repo?Revision=" + escape(revision) + "&FilePath=" + escape(path);
}

std::vector<HubFile> list_hub_files(const std::string& model_id, const std::string& revision,
                                    const FetchOptions& o) {
    const std::string url = file_list_url(o.endpoint, model_id, revision);
    const std::string body = get_text(url, o);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(body);
    } catch (const nlohmann::json::exception& e) {
        throw FetchError("GET " + url + ": the answer is not JSON (" + e.what() + ")");
    }
    if (!j.is_object()) throw FetchError("GET " + url + ": the answer is not a JSON object");
    if (j.contains("Code") && j["Code"] != 200)
        throw FetchError("GET " + url + ": hub answered Code " + j["Code"].dump() +
                         (j.contains("Message") ? ": " + j["Message"].dump() : std::string()));
    const auto files = j.contains("Data") && j["Data"].is_object() ? j["Data"].value("Files", nlohmann::json())
                                                                   : nlohmann::json();
    if (!files.is_array()) throw FetchError("GET " + url + ": no Data.Files list in the answer");
    std::vector<HubFile> out;
    for (const auto& f : files) {
        if (!f.is_object() || f.value("Type", std::string("blob")) != "blob") continue;
        HubFile h;
        h.path = f.value("Path", std::string());
        const std::string base = fs::path(h.path).filename().string();
        if (base == ".gitignore" || base == ".gitattributes") continue;
        if (!safe_relative(h.path)) throw FetchError("GET " + url + ": refusing unsafe file path '" + h.path + "'");
        if (!f.contains("Size") || !f["Size"].is_number_unsigned())
            throw FetchError("GET " + url + ": no Size for '" + h.path + "'");
        h.size = f["Size"].get<std::uint64_t>();
        if (f.contains("Sha256") && f["Sha256"].is_string()) h.sha256 = f["Sha256"].get<std::string>();
        std::transform(h.sha256.begin(), h.sha256.end(), h.sha256.begin(),
                       [](unsigned char c) { return char(std::tolower(c)); });
        if (!h.sha256.empty() && h.sha256.size() != 64)
            throw FetchError("GET " + url + ": bad Sha256 for '" + h.path + "'");
        out.push_back(std::move(h));
    }
    return out;
}

FileOutcome fetch_hub_file(const std::string& url, const HubFile& f, const fs::path& dest, const FetchOptions& o,
                           std::uint64_t* bytes, int* resumed) {
    ensure_curl_init();
    if (matches(dest, f)) return FileOutcome::kPresent;
    say(o, "fetch " + f.path + " (" + human(f.size) + ") from " + url);
    if (f.sha256.empty()) say(o, "  " + f.path + ": the listing gives no Sha256; only its size is checked");
    std::error_code ec;
    fs::create_directories(dest.parent_path(), ec);
    if (ec) throw FetchError("cannot create " + dest.parent_path().string() + ": " + ec.message());
    const fs::path part = dest.string() + ".part";
    bool restarted_after_mismatch = false;
    std::string last;
    for (int attempt = 1; attempt <= o.attempts; ++attempt) {
        std::uint64_t offset = file_size_or_zero(part);
        if (offset > f.size) {
            fs::remove(part, ec);
            offset = 0;
        }
        bool transferred_ok = offset == f.size && fs::exists(part, ec);  // complete from an earlier run
        if (!transferred_ok) {
            std::FILE* fp = std::fopen(part.c_str(), offset > 0 ? "ab" : "wb");
            if (!fp) throw FetchError("cannot write " + part.string());
            Easy e;
            char errbuf[CURL_ERROR_SIZE];
            Sink sink;
            sink.h = e.h;
            sink.f = fp;
            sink.offset = offset;
            sink.limit = f.size;
            Progress progress;
            progress.o = &o;
            progress.path = f.path;
            progress.offset = offset;
            progress.total = f.size;
            setup(e.h, url, o, errbuf, &progress);
            curl_easy_setopt(e.h, CURLOPT_WRITEFUNCTION, on_body);
            curl_easy_setopt(e.h, CURLOPT_WRITEDATA, &sink);
            curl_easy_setopt(e.h, CURLOPT_HEADERFUNCTION, on_header);
            curl_easy_setopt(e.h, CURLOPT_HEADERDATA, &sink);
            const std::string range = std::to_string(offset) + "-";
            if (offset > 0) {
                curl_easy_setopt(e.h, CURLOPT_RANGE, range.c_str());
                say(o, "  " + f.path + ": resuming at " + human(offset) + " of " + human(f.size));
                if (resumed) ++*resumed;
            }
            const CURLcode rc = curl_easy_perform(e.h);
            const bool closed = std::fclose(fp) == 0;
            if (bytes) *bytes += sink.written;
            if (rc == CURLE_ABORTED_BY_CALLBACK)
                throw FetchError("interrupted while downloading " + url + "; run the command again to resume from " +
                                 part.string());
            if (sink.write_failed || !closed) throw FetchError("cannot write " + part.string() + " (disk full?)");
            const long code = response_code(e.h);
            if (rc == CURLE_OK) {
                transferred_ok = true;
            } else if (sink.overflow || sink.bad_range || (rc == CURLE_HTTP_RETURNED_ERROR && code == 416)) {
                // The server disagrees with the listing or with our .part: start this file afresh.
                last = sink.overflow ? "the server sent more than the listed " + std::to_string(f.size) + " bytes"
                                     : "the server did not resume at byte " + std::to_string(offset);
                fs::remove(part, ec);
            } else if (rc == CURLE_HTTP_RETURNED_ERROR && permanent_http_error(code)) {
                throw FetchError("GET " + url + ": HTTP " + std::to_string(code));
            } else {
                last = curl_message(rc, errbuf);
            }
            if (!transferred_ok) {
                if (attempt < o.attempts) {
                    say(o, "  " + f.path + ": " + last + " after " + human(offset + sink.written) + "; retrying (" +
                               std::to_string(attempt) + "/" + std::to_string(o.attempts) + ")");
                    back_off(o, attempt);
                }
                continue;
            }
        }
        const std::uint64_t got = file_size_or_zero(part);
        if (got != f.size) {  // the server closed early without saying so
            last = "got " + std::to_string(got) + " of " + std::to_string(f.size) + " bytes";
            continue;
        }
        if (!f.sha256.empty()) {
            const std::string digest = sha256_file(part);
            if (digest != f.sha256) {
                fs::remove(part, ec);
                // A resumed file may have been spliced from two versions: try once from scratch.
                if (offset > 0 && !restarted_after_mismatch) {
                    restarted_after_mismatch = true;
                    say(o, "  " + f.path + ": sha256 mismatch after resuming; downloading it again from the start");
                    continue;
                }
                throw FetchError("sha256 mismatch for " + url + ": got " + digest + ", the hub listing says " +
                                 f.sha256 + "; nothing was written to " + dest.string());
            }
        }
        fs::rename(part, dest, ec);
        if (ec) throw FetchError("cannot rename " + part.string() + " to " + dest.string() + ": " + ec.message());
        return FileOutcome::kDownloaded;
    }
    throw FetchError("GET " + url + " failed after " + std::to_string(o.attempts) + " attempts: " + last +
                     (fs::exists(part, ec) ? "; " + part.string() + " is kept and the next run resumes it" : ""));
}

FetchSummary fetch_hub_model(const std::string& model_id, const std::string& revision,
                             const std::vector<std::string>& include, const fs::path& dest_dir,
                             const FetchOptions& o) {
    FetchSummary sum;
    const auto files = list_hub_files(model_id, revision, o);
    for (const auto& f : files) {
        bool want = include.empty();
        for (const auto& pat : include)
            if (fnmatch(pat.c_str(), f.path.c_str(), 0) == 0) want = true;
        if (!want) {
            sum.skipped.push_back(f.path);
            continue;
        }
        const fs::path dest = dest_dir / f.path;
        const std::string url = file_url(o.endpoint, model_id, revision, f.path);
        if (fetch_hub_file(url, f, dest, o, &sum.bytes, &sum.resumed) == FileOutcome::kPresent)
            sum.present.push_back(f.path);
        else
            sum.downloaded.push_back(f.path);
    }
    return sum;
}

}  // namespace portrait::cli
