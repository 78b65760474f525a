#include "portrait/runtime/progress.hpp"

#include <algorithm>
#include <cstdarg>
#include <cstdint>
#include <cstdio>

#include "portrait/runtime/console.hpp"

namespace portrait {

namespace {

int percent(const ProgressCounts& c) { return c.total > 0 ? int(100.0 * c.done / c.total) : 100; }

std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char* fmt, ...) {
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return buf;
}

std::string time_part(const ProgressCounts& c) {
    return (c.final ? "took " : "ETA ") + Progress::format_eta(c.seconds);
}

// "12/40 30% 1.5 img/s ETA 20s", with the failed and skipped counts only when not 0.
std::string short_line(const ProgressCounts& c) {
    std::string s = format("%d/%d %d%% %.1f img/s %s", c.done, c.total, percent(c), c.rate, time_part(c).c_str());
    if (c.failed) s += format(" %d failed", c.failed);
    if (c.skipped) s += format(" %d skipped", c.skipped);
    return s;
}

// "[#####.....] " filling `cells` cells.
std::string bar_graphic(const ProgressCounts& c, int cells) {
    const int filled = c.total > 0 ? int(std::int64_t(cells) * c.done / c.total) : cells;
    return "[" + std::string(std::size_t(filled), '#') + std::string(std::size_t(cells - filled), '.') + "] ";
}

}  // namespace

Progress::Progress(bool enabled, bool bar, double interval_s) : enabled_(enabled), bar_(bar), interval_s_(interval_s) {}

bool Progress::stderr_is_terminal() { return console::stderr_is_terminal(); }

std::string Progress::format_eta(double s) {
    if (!(s >= 0) || s > 1e7) return "--";
    const long t = long(s + 0.5);
    if (t >= 3600) return format("%ldh%02ldm", t / 3600, (t % 3600) / 60);
    if (t >= 60) return format("%ldm%02lds", t / 60, t % 60);
    return format("%lds", t);
}

std::string Progress::plain_line(const ProgressCounts& c) {
    return format("%d/%d (%d%%) %.2f img/s, %s, %d failed, %d skipped", c.done, c.total, percent(c), c.rate,
                  time_part(c).c_str(), c.failed, c.skipped);
}

std::string Progress::bar_line(const ProgressCounts& c, int columns) {
    const int room = columns - 1;  // the last column would make some terminals wrap
    if (room <= 0) return "";
    constexpr int kMinCells = 10, kMaxCells = 30, kFrame = 3;  // "[", "] "
    for (const std::string& text : {plain_line(c), short_line(c)}) {
        const int cells = std::min(kMaxCells, room - int(text.size()) - kFrame);
        if (cells >= kMinCells) return bar_graphic(c, cells) + text;
    }
    std::string text = short_line(c);
    if (int(text.size()) > room) text.resize(std::size_t(room));
    return text;
}

ProgressCounts Progress::counts(int done, int failed, int skipped, bool final) const {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
    ProgressCounts c;
    c.done = done;
    c.total = total_;
    c.failed = failed;
    c.skipped = skipped;
    const int worked = done - skipped;  // skipped images take no time; leave them out of the rate
    c.rate = elapsed > 0 ? worked / elapsed : 0;
    c.final = final;
    c.seconds = final ? elapsed : (c.rate > 0 ? (total_ - done) / c.rate : -1);
    return c;
}

void Progress::start(int total) {
    total_ = total;
    drawn_ = false;
    t0_ = last_ = std::chrono::steady_clock::now();
    if (!enabled_) return;
    if (bar_) {
        // Drawn at once, so that the user sees the batch has started before the first image ends.
        console::set_status(bar_line(counts(0, 0, 0, false), console::columns()));
        drawn_ = true;
    } else {
        console::write_lines(format("portrait: %d image(s) to process\n", total));
    }
}

void Progress::update(int done, int failed, int skipped) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    const double since = std::chrono::duration<double>(now - last_).count();
    if (bar_) {
        if (drawn_ && since < 0.1 && done < total_) return;  // at most ten redraws a second
        // The width is read at each redraw, so a resized terminal gets a fitting bar.
        console::set_status(bar_line(counts(done, failed, skipped, false), console::columns()));
        drawn_ = true;
    } else {
        if (since < interval_s_) return;
        console::write_lines("portrait: " + plain_line(counts(done, failed, skipped, false)) + "\n");
    }
    last_ = now;
}

void Progress::finish(int done, int failed, int skipped) {
    if (!enabled_) return;
    const ProgressCounts c = counts(done, failed, skipped, true);
    if (bar_)
        console::finish_status(bar_line(c, console::columns()));
    else
        console::write_lines("portrait: " + plain_line(c) + "\n");
}

}  // namespace portrait
