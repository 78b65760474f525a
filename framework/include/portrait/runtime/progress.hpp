// Batch progress on stderr: a bar redrawn in place (count, percent, rate, ETA) on a
// terminal, fitted to its width and kept below the log messages (console.hpp); a plain
// line every few seconds otherwise (logs, CI).
#pragma once

#include <chrono>
#include <string>

namespace portrait {

// What one progress line says.
struct ProgressCounts {
    int done = 0, total = 0, failed = 0, skipped = 0;
    double rate = 0;     // images per second
    double seconds = 0;  // ETA, or the time taken when `final`
    bool final = false;
};

class Progress {
public:
    // `bar`: redraw in place (a terminal); otherwise plain lines every `interval_s`.
    // `enabled` false prints nothing.
    Progress(bool enabled, bool bar, double interval_s);
    void start(int total);
    // Called after each image; `done` counts every finished image (ok, failed, skipped).
    void update(int done, int failed, int skipped);
    // The last line (ends the bar's line).
    void finish(int done, int failed, int skipped);

    // True when stderr is a terminal that can redraw (TERM not "dumb").
    static bool stderr_is_terminal();
    // "5s", "1m05s", "1h02m"; "--" when unknown.
    static std::string format_eta(double seconds);
    // The plain line: "3/10 (30%) 1.50 img/s, ETA 5s, 0 failed, 0 skipped".
    static std::string plain_line(const ProgressCounts& c);
    // The bar's line for a terminal `columns` wide: at most columns - 1 characters, so it
    // never wraps (a wrapped line cannot be redrawn in place). Narrower terminals get a
    // shorter text, then no bar, then the text cut.
    static std::string bar_line(const ProgressCounts& c, int columns);

private:
    ProgressCounts counts(int done, int failed, int skipped, bool final) const;
    bool enabled_, bar_;
    double interval_s_;
    int total_ = 0;
    bool drawn_ = false;  // the bar has been drawn since start()
    std::chrono::steady_clock::time_point t0_, last_;
};

}  // namespace portrait
