// The one writer of stderr while a batch runs: log messages and the progress bar share
// the terminal's last line, so a message first clears the bar, is written on a line of its
// own, and the bar is drawn again below it. Nothing else of the host writes to stderr then.
#pragma once

#include <string>
#include <string_view>

namespace portrait::console {

// Writes `text` (whole lines, each ending in '\n') to stderr, around the status line.
void write_lines(std::string_view text);
// Shows `line` as the status line (the bar), redrawn in place; it must fit columns() - 1
// characters so that it never wraps. An empty line removes it from the screen.
void set_status(const std::string& line);
// Replaces the status line by `line` + '\n' for good (a batch's last progress line).
void finish_status(const std::string& line);
// The width of the terminal on stderr (TIOCGWINSZ, so a resize counts at the next call),
// else $COLUMNS, else 80.
int columns();
// True when stderr is a terminal that can redraw a line (TERM not "dumb").
bool stderr_is_terminal();

}  // namespace portrait::console
