// Cancelling work in an interactive process. The runtime has one process-wide cancel
// flag (set by Ctrl-C in the CLI, checked by Runner::process between stages, by
// run_batch between images and by stages through Context::cancelled()). The CLI
// only ever sets it; the studio must clear it again once the cancelled job is over.
#pragma once

namespace portrait::studio {

// Asks the running job to stop (sets the runtime's flag).
void request_stop();
// True while a stop is pending.
bool stop_requested();
// Clears the flag. Call only when no job is running.
void clear_stop();

}  // namespace portrait::studio
