#include "portrait/runtime/progress.hpp"

#include <cstdlib>
#include <cstring>

#include <unistd.h>

namespace portrait {

Progress::Progress(bool enabled, bool bar, double interval_s, std::FILE* out)
    : enabled_(enabled), bar_(bar), interval_s_(interval_s), out_(out) {}

bool Progress::stderr_is_terminal() {
    const char* term = std::getenv("TERM");
    return ::isatty(2) && !(term && std::strcmp(term, "dumb") == 0);
}

std::string Progress::format_eta(double s) {
    if (!(s >= 0) || s > 1e7) return "--";
    const long t = long(s + 0.5);
    char buf[32];
    if (t >= 3600)
        std::snprintf(buf, sizeof buf, "%ldh%02ldm", t / 3600, (t % 3600) / 60);
    else if (t >= 60)
        std::snprintf(buf, sizeof buf, "%ldm%02lds", t / 60, t % 60);
    else
        std::snprintf(buf, sizeof buf, "%lds", t);
    return buf;
}

void Progress::start(int total) {
    total_ = total;
    t0_ = last_ = std::chrono::steady_clock::now();
    if (enabled_ && !bar_) std::fprintf(out_, "portrait: %d image(s) to process\n", total);
}

std::string Progress::line(int done, int failed, int skipped, bool final) const {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    const int worked = done - skipped;  // skipped images take no time; leave them out of the rate
    const double rate = elapsed > 0 ? worked / elapsed : 0;
    const double eta = rate > 0 ? (total_ - done) / rate : -1;
    const int pct = total_ > 0 ? int(100.0 * done / total_) : 100;
    char buf[256];
    std::string bar;
    if (bar_) {
        const int width = 24, filled = total_ > 0 ? width * done / total_ : width;
        bar = "[" + std::string(std::size_t(filled), '#') + std::string(std::size_t(width - filled), '.') + "] ";
    }
    std::snprintf(buf, sizeof buf, "%d/%d (%d%%) %.2f img/s, %s %s, %d failed, %d skipped", done, total_, pct, rate,
                  final ? "took" : "ETA", final ? format_eta(elapsed).c_str() : format_eta(eta).c_str(), failed,
                  skipped);
    return bar + buf;
}

void Progress::update(int done, int failed, int skipped) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    const double since = std::chrono::duration<double>(now - last_).count();
    if (bar_) {
        if (since < 0.1 && done < total_) return;  // at most ten redraws a second
        std::fprintf(out_, "\r\033[K%s", line(done, failed, skipped, false).c_str());
    } else {
        if (since < interval_s_) return;
        std::fprintf(out_, "portrait: %s\n", line(done, failed, skipped, false).c_str());
    }
    std::fflush(out_);
    last_ = now;
}

void Progress::finish(int done, int failed, int skipped) {
    if (!enabled_) return;
    if (bar_)
        std::fprintf(out_, "\r\033[K%s\n", line(done, failed, skipped, true).c_str());
    else
        std::fprintf(out_, "portrait: %s\n", line(done, failed, skipped, true).c_str());
    std::fflush(out_);
}

}  // namespace portrait
