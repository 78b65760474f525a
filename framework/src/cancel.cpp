#include "portrait/runtime/cancel.hpp"

#include "portrait/runtime/temp_dir.hpp"

namespace portrait {

CancelToken::CancelToken() : state_(std::make_shared<State>()) {}

CancelToken CancelToken::following_signals() {
    CancelToken t;
    t.state_->signals = true;
    return t;
}

void CancelToken::cancel() const { state_->flag = true; }

bool CancelToken::cancelled() const {
    return state_->flag.load() || (state_->signals && cancel_requested().load());
}

}  // namespace portrait
