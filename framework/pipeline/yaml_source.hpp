// What pipeline files need from YAML beyond yaml-cpp: loading a file with errors that name
// file:line:column, strict maps whose unknown keys are errors that suggest the nearest key,
// command-line overrides (--set a.b.c=value), and ${VAR} / ${VAR:-default} in strings.
// Not the pipeline's own structure: that is the pipeline spec's job.
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <string>
#include <vector>

namespace chimera {

// The parsed file. Throws ConfigError("<file>:<line>:<col>: <yaml-cpp's reason>") or a
// DataError when the file cannot be read.
YAML::Node load_yaml_file(const std::string& file);

// "file:line:col (a.b.c)" for a node read from `file`, or "(a.b.c)" for one made in code.
std::string yaml_where(const YAML::Node& node, const std::string& file, const std::string& path);

// Throws ConfigError naming the first key of `map` that is not in `allowed`, with the nearest
// allowed key and the full list. A null node passes (an empty section).
void check_keys(const YAML::Node& map, const std::vector<std::string>& allowed, const std::string& file,
                const std::string& path);

// Applies "a.b.c=value" to `root`, the value parsed as YAML ("3", "[1, 2]", "relu"), making
// intermediate maps as needed. Throws UsageError for a malformed override or one that would
// index into a scalar or list.
void apply_override(YAML::Node& root, const std::string& assignment);

// Replaces ${NAME} and ${NAME:-default} in `text` using `lookup` (which returns nullptr for an
// unset variable). Throws ConfigError naming `where` for an unset variable without a default or
// an unterminated ${.
using EnvLookup = std::function<const char*(const std::string&)>;
std::string expand_variables(const std::string& text, const EnvLookup& lookup, const std::string& where);

// Expands variables in every string scalar of `root`, in place.
void expand_variables_in(YAML::Node root, const EnvLookup& lookup, const std::string& file, const std::string& path = "");

}  // namespace chimera
