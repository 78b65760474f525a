// What a stage declares about itself is checked when its plugin loads, so that a mistake
// in a plugin (a default outside its range, two parameters of one name) is refused with a
// line naming it, instead of surfacing later as a confusing pipeline error or not at all.
#pragma once

#include <string>

#include "portrait/stage.hpp"

namespace portrait::detail {

// "" when `spec` is sound, else what is wrong ("parameter 'x': default 2 is outside 0 .. 1").
std::string stage_spec_problem(const StageSpec& spec);

}  // namespace portrait::detail
