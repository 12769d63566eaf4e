// Builds the configuration a component's `create` receives: the user's options for one node,
// checked against the component's parameter schema (unknown keys, types, ranges, required
// keys), with defaults filled in. Errors name file:line:column and the YAML path.
// Not the pipeline as a whole: that is the pipeline validator's job.
#pragma once

#include "plugin/component_info.hpp"
#include "plugin/config_node.hpp"

#include <yaml-cpp/yaml.h>

#include <memory>
#include <string>

namespace chimera {

// `options` is the user's map for this component (a null node for "all defaults"); `file` and
// `path` say where it was written. Throws ConfigError.
std::unique_ptr<chm_config> make_component_config(const ComponentInfo& component,
                                                  const YAML::Node& options,
                                                  const std::string& file,
                                                  const std::string& path);

}  // namespace chimera
