// Stopping one run. Each Runner::process call and each run_batch takes a token; whoever
// holds a copy can cancel that run and no other. Stages see it as Context::cancelled().
// The CLI's Ctrl-C reaches a run through a token that follows the process's signals.
#pragma once

#include <atomic>
#include <memory>

namespace portrait {

class CancelToken {
public:
    // A token that only cancel() sets.
    CancelToken();
    // A token that is also set once SIGINT (or SIGTERM, see temp_dir.hpp) arrives: what a
    // run gets when its caller does not give one.
    static CancelToken following_signals();

    // Copies share the state: cancelling one cancels them all. Safe from any thread.
    void cancel() const;
    bool cancelled() const;

private:
    struct State {
        std::atomic<bool> flag{false};
        bool signals = false;
    };
    std::shared_ptr<State> state_;
};

}  // namespace portrait
