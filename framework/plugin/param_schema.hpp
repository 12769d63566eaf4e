// Checks YAML values against declared parameters: type, range and allowed choices.
// Used to check a plugin's own defaults when it loads, and every pipeline's options before a
// run. It reports; it does not locate (callers add file:line:col) nor fill in defaults.
#pragma once

#include "plugin/component_info.hpp"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>

namespace chimera {

// Why `value` does not fit `param` ("expected an int, got 'abc'"), or nullopt if it does.
std::optional<std::string> check_param_value(const ParamInfo& param, const YAML::Node& value);

// Parses a scalar the way configuration look-ups do; nullopt when it is not of that type.
// "'relu'", "a list", "a map" or "nothing": a YAML value as error messages show it.
std::string show_value(const YAML::Node& value);
std::optional<bool> parse_bool(const YAML::Node& scalar);
std::optional<int64_t> parse_int(const YAML::Node& scalar);
std::optional<double> parse_float(const YAML::Node& scalar);

// "1 .. 4096", ">= 0", "relu|tanh", or "" — the allowed values, for a parameter table.
std::string describe_allowed(const ParamInfo& param);

}  // namespace chimera
