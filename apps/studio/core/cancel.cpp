#include "cancel.hpp"

#include <atomic>

#include "portrait/runtime/temp_dir.hpp"

namespace portrait::studio {

void request_stop() { portrait::request_cancel(); }

bool stop_requested() { return portrait::cancel_requested().load(); }

void clear_stop() {
    // The runtime exposes the flag read-only (the CLI never clears it). The object behind
    // the reference is a plain non-const std::atomic<bool> (framework/src/temp_dir.cpp), so
    // storing through it is well defined; a runtime clear_cancel() would replace this.
    const_cast<std::atomic<bool>&>(portrait::cancel_requested()).store(false);
}

}  // namespace portrait::studio
