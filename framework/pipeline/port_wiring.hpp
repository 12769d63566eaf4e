// The pipeline's side of declared ports (ABI 1.4): the static check that every `in:` and `out:`
// key of a node or loss names a port of its component (and every required input is wired), and
// the wording of a forward's port misfit with who wrote the tensors involved. Components that
// declare no ports are skipped. Not the ports themselves (plugin/port_check.hpp).
#pragma once

#include "pipeline/dataflow.hpp"
#include "pipeline/pipeline_spec.hpp"
#include "plugin/port_check.hpp"

#include <yaml-cpp/yaml.h>

#include <string>

namespace chimera {

// Where a node's or loss's keys are written and what the messages call it.
struct WiredEntry {
    const YAML::Node& node;  // the entry (nodes.NAME or losses.NAME)
    std::string path;        // "nodes.NAME"
    std::string who;         // "node 'NAME'"
    const PortMap& in;
    const PortMap* out;      // nullptr for a loss
};

// Throws ConfigError at the offending key (or at `in:` for a missing required input), listing
// the ports there are and the nearest one. `ports` may be nullptr: nothing is checked.
void check_wiring(const WiredEntry& entry, const PortCheck* ports, const std::string& file);

// Rethrows `error`, raised by the forward of `entry`'s component, as a ConfigError at the entry
// that also says which node wrote (or which data field or noise is) each tensor it involves.
[[noreturn]] void fail_port(const PortError& error, const WiredEntry& entry, const PipelineSpec& spec, const Dataflow& flow);

}  // namespace chimera
