// What a feature's row in the window shows for a binding and the current choices:
// whether the checkbox can be ticked, whether it is, whether the strength slider and its
// labels respond, and the tooltip. Kept apart from the widgets so tests can check it.
#pragma once

#include <string>

#include "features.hpp"
#include "studio_pipeline.hpp"

namespace portrait::studio {

struct FeatureRowState {
    bool check_enabled = false;     // the checkbox can be ticked (the feature is available)
    bool checked = false;           // the feature runs
    bool strength_enabled = false;  // slider, "strength" label and value: only while it runs
    double value = 0;               // the slider's value, clamped to the binding's range
    std::string tooltip;            // what it does, or why it is greyed out and what to do
};

FeatureRowState feature_row_state(const FeatureBinding& binding, const FeatureChoices& choices);

}  // namespace portrait::studio
