// Batch progress on stderr: a bar redrawn in place (count, percent, rate, ETA) on a
// terminal; a plain line every few seconds otherwise (logs, CI).
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace portrait {

class Progress {
public:
    // `bar`: redraw in place (a terminal); otherwise plain lines every `interval_s`.
    // `enabled` false prints nothing.
    Progress(bool enabled, bool bar, double interval_s, std::FILE* out = stderr);
    void start(int total);
    // Called after each image; `done` counts every finished image (ok, failed, skipped).
    void update(int done, int failed, int skipped);
    // The last line (ends the bar's line).
    void finish(int done, int failed, int skipped);

    // True when stderr is a terminal that can redraw (TERM not "dumb").
    static bool stderr_is_terminal();
    // "12.3 img/s", "ETA 1h02m" and similar, for tests.
    static std::string format_eta(double seconds);

private:
    std::string line(int done, int failed, int skipped, bool final) const;
    bool enabled_, bar_;
    double interval_s_;
    std::FILE* out_;
    int total_ = 0;
    std::chrono::steady_clock::time_point t0_, last_;
};

}  // namespace portrait
