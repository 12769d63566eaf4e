// A model's state as a checkpoint holds it, and moving it between a run's ParameterStore and a
// checkpoint. The key scheme: "param/<name>" for parameters, "buffer/<name>" for buffers (running
// statistics), "optimizer/<optimizer>/<name>" for an optimizer's state; names are full
// ("encoder.fc1.weight"). Also "load node A of run R into node B": a node started from another
// run (init_from), a judge rebuilt from a classifier's run. Not the files (checkpoint.hpp).
#pragma once

#include "autograd/parameter_store.hpp"
#include "run/checkpoint.hpp"

#include <string>
#include <vector>

namespace chimera {

// Every parameter and buffer of `store`, keyed; with `except`, leaving out those of the nodes
// (name prefixes) it lists.
NamedTensors model_tensors(const ParameterStore& store, const std::vector<std::string>& except = {});
// An optimizer's state keyed as the checkpoint holds it, and back: the state of `optimizer`
// among `tensors`, its keys without the prefix.
NamedTensors optimizer_tensors(const std::string& optimizer, const NamedTensors& state);
NamedTensors optimizer_state(const NamedTensors& tensors, const std::string& optimizer);

// Copies the last checkpoint of `from` for node `node` into the parameters and buffers that node
// `into` made in `store` (its own names, "into.fc1.weight"). Throws DataError naming the
// checkpoint when it has no such node or a tensor does not fit.
void load_node(const RunDirectory& from, const std::string& node, const std::string& into, ParameterStore& store,
               const std::shared_ptr<BufferPool>& pool);

}  // namespace chimera
