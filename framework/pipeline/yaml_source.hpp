// What pipeline files need from YAML beyond reading it (io/yaml_file.hpp): strict maps whose
// unknown keys are errors that suggest the nearest key, overrides (a.b.c=value) laid over a
// file, and ${VAR} / ${VAR:-default} in strings. Not the pipeline's own structure: that is the
// pipeline spec's job.
#pragma once

#include "io/yaml_file.hpp"

#include <functional>
#include <string>
#include <vector>

namespace chimera {

// Throws ConfigError naming the first key of `map` that is not in `allowed`, with the nearest
// allowed key and the full list. A null node passes (an empty section).
void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed, const std::string& file,
                const std::string& path);

// An override that cannot be applied: the assignment as given, why, and an example of a good
// one where that helps ("" otherwise).
class OverrideError : public UsageError {
public:
    OverrideError(const std::string& assignment, const std::string& reason, const std::string& example = "")
        : UsageError("override '" + assignment + "': " + reason + (example.empty() ? "" : ", e.g. " + example)),
          assignment_(assignment), reason_(reason), example_(example) {}
    const std::string& assignment() const noexcept { return assignment_; }
    const std::string& reason() const noexcept { return reason_; }
    const std::string& example() const noexcept { return example_; }

private:
    std::string assignment_, reason_, example_;
};

// Applies "a.b.c=value" to `root`, the value parsed as YAML ("3", "[1, 2]", "relu"), making
// intermediate maps as needed. Throws OverrideError for a malformed override or one that would
// index into a scalar or list.
void apply_override(YAML::Node& root, const std::string& assignment);

// Replaces ${NAME} and ${NAME:-default} in `text` using `lookup` (which returns nullptr for an
// unset variable). Throws ConfigError at `where` for an unset variable without a default or an
// unterminated ${.
using EnvLookup = std::function<const char*(const std::string&)>;
std::string expand_variables(const std::string& text, const EnvLookup& lookup, const SourcePlace& where);

// Expands variables in every string scalar of `root`, in place.
void expand_variables_in(YAML::Node root, const EnvLookup& lookup, const std::string& file, const std::string& path = "");

}  // namespace chimera
