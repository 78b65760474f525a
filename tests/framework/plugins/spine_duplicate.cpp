// A plugin whose one stage, spine_rect, is already provided by spine_stages: the
// registry must refuse the second file with both paths named.
#include <portrait/sdk.hpp>

namespace {
class Noop final : public portrait::Stage {
public:
    Noop(const portrait::Params&, portrait::Context&) {}
    void process(portrait::Frame&, portrait::Context&) override {}
};
}  // namespace

PORTRAIT_PLUGIN("spine_duplicate", "1.0.0", "MIT", "Registers a stage name another plugin has") {
    portrait::StageSpec s;
    s.name = "spine_rect";
    s.description = "Same name as spine_stages' stage";
    registrar.add<Noop>(s);
}
