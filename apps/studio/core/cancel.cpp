#include "cancel.hpp"

#include <atomic>

#include "portrait/runtime/temp_dir.hpp"

namespace portrait::studio {

void request_stop() { portrait::request_cancel(); }

bool stop_requested() { return portrait::cancel_requested().load(); }

void clear_stop() {
    portrait::clear_cancel();
}

}  // namespace portrait::studio
