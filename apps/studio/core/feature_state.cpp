#include "feature_state.hpp"

#include <algorithm>

namespace portrait::studio {

FeatureRowState feature_row_state(const FeatureBinding& b, const FeatureChoices& choices) {
    FeatureRowState s;
    auto c = choices.find(b.spec.key);
    s.value = c != choices.end() ? std::clamp(c->second.strength, b.min, b.max) : b.value;
    s.check_enabled = b.available;
    s.checked = b.available && c != choices.end() && c->second.enabled;
    s.strength_enabled = s.checked;
    if (b.available)
        s.tooltip = b.spec.tooltip + "\nStage '" + b.stage_id + "', parameter '" + b.spec.param + "' (" +
                    format_value(b.min, b.integer) + " to " + format_value(b.max, b.integer) + ")";
    else if (!b.missing_models.empty())
        s.tooltip = b.unavailable_reason;  // already says what is missing and how to get it
    else
        s.tooltip = "Not available: " + b.unavailable_reason;
    return s;
}

}  // namespace portrait::studio
