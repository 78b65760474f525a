// A plugin whose registration throws: refused with the exception's message, and no
// half-registered stage is left behind.
#include <portrait/sdk.hpp>

#include <stdexcept>

namespace {
class Noop final : public portrait::Stage {
public:
    Noop(const portrait::Params&, portrait::Context&) {}
    void process(portrait::Frame&, portrait::Context&) override {}
};
}  // namespace

PORTRAIT_PLUGIN("spine_register_throws", "1.0.0", "MIT", "Throws while registering") {
    portrait::StageSpec s;
    s.name = "spine_half_registered";
    registrar.add<Noop>(s);
    throw std::runtime_error("spine_register_throws: cannot register");
}
