// Typed reads of pipeline-file values: each either returns the value or throws a ConfigError
// naming file:line:column, the YAML path and what was expected. A key that is absent gives the
// default; a key that is present with the wrong type is an error, never a silent default.
// Not key checking (yaml_source's check_keys) nor plugin options (component_config).
#pragma once

#include "io/yaml_file.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chimera {

bool has_key(const YAML::Node& map, const std::string& key);

// map[key] as the type asked for. Absent (or null) keys give `fallback`, or an error saying the
// key is required when there is no fallback.
std::string read_string(const YAML::Node& map, const std::string& key, const YamlPlace& place,
                        std::optional<std::string> fallback = std::nullopt);
int64_t read_int(const YAML::Node& map, const std::string& key, const YamlPlace& place,
                 std::optional<int64_t> fallback = std::nullopt, int64_t min = INT64_MIN);
double read_real(const YAML::Node& map, const std::string& key, const YamlPlace& place,
                 std::optional<double> fallback = std::nullopt, double min = -1e300);
bool read_bool(const YAML::Node& map, const std::string& key, const YamlPlace& place,
               std::optional<bool> fallback = std::nullopt);
// A list of strings, or one string taken as a list of one. Absent gives an empty list.
std::vector<std::string> read_names(const YAML::Node& map, const std::string& key, const YamlPlace& place);
std::vector<int64_t> read_int_list(const YAML::Node& map, const std::string& key, const YamlPlace& place,
                                   int64_t min = INT64_MIN);

// Throws unless `name` is an identifier ([A-Za-z_][A-Za-z0-9_]*): node, loss and tensor names
// become parts of parameter and metric names.
void check_identifier(const std::string& name, const YAML::Node& node, const YamlPlace& place, const char* what);

}  // namespace chimera
