// "Did you mean ...?" for misspelled stage and parameter names.
#pragma once

#include <string>
#include <vector>

namespace portrait {

// The candidate closest to `word` by edit distance, or "" if none is close enough.
std::string closest_name(const std::string& word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace portrait
