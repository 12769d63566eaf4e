// "Did you mean ...?" for names typed by users: commands, options, YAML keys, plugin names.
// Edit distance only; it knows nothing about what the names mean.
#pragma once

#include <string>
#include <vector>

namespace chimera {

// The candidate closest to `typed`, or "" when none is close enough to be a likely typo.
std::string nearest_name(const std::string& typed, const std::vector<std::string>& candidates);

// " Did you mean 'x'?" or "" — ready to append to a message.
std::string did_you_mean(const std::string& typed, const std::vector<std::string>& candidates);

// "a, b, c" for listing what would have been accepted.
std::string join(const std::vector<std::string>& items, const std::string& separator = ", ");

}  // namespace chimera
