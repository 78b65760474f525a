// The portrait CLI on a pseudo-terminal of a given width, and what a terminal of that
// width would show: the tests judge the progress bar by the screen a user would see.
#pragma once

#include <string>
#include <vector>

#include "cli_test_util.hpp"

namespace cli {

struct PtyResult {
    int code = -1;
    std::string raw;  // every byte the child wrote to the terminal (stdout and stderr)
};

// Runs `portrait args...` with its stdin, stdout and stderr on a new pseudo-terminal
// `columns` x 24 (TIOCGWINSZ answers that), TERM=xterm.
PtyResult portrait_in_pty(const std::vector<std::string>& args, const Env& env, int columns);

// The lines a `columns`-wide terminal holds after `raw` (top to bottom, scrolled-off ones
// included): printable characters wrap at the last column (deferred, as xterm does),
// '\r' returns to column 0, '\n' goes down a line, "ESC [ K" erases to the end of the
// line, other escape sequences (colours) are skipped.
std::vector<std::string> screen_lines(const std::string& raw, int columns);

// What follows each line clear ("\r ESC [ K") up to the next '\r' or '\n', escape
// sequences left out: the bar's redraws and the messages written over it.
std::vector<std::string> redraws(const std::string& raw);

}  // namespace cli
