// A Keras-style summary of one plugin module (a node): the ops its forward calls through the
// host, each op's output shape and the parameters it consumes, recorded by watching one forward.
// No ABI change and no cooperation from the plugin; not a profiler (no timings, no memory) and
// not a graph: ops the host runs on its own, and anything a plugin computes itself, are unseen.
#pragma once

#include "plugin/host_services.hpp"
#include "tensor/shape.hpp"

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

namespace chimera {

// One op a plugin called while an OpTrace was watching.
struct TracedOp {
    std::string op;                       // "linear"
    Shape output;                         // of its first output; empty when it has none
    std::vector<std::string> parameters;  // every registered parameter or buffer among its inputs
    int64_t trainable = 0;                // elements of the parameters first consumed here
    int64_t non_trainable = 0;            // elements of the buffers first consumed here
};

// Records the ops plugins run through `services` while it lives: installs an op observer, and
// on destruction puts back the one it found (which it also calls meanwhile, so traces nest). A
// parameter or buffer is counted once per trace, at the first op that consumes it; one is
// recognised by identity (ParameterStore::role_of), so parameters created during the traced
// forward count too.
class OpTrace {
public:
    explicit OpTrace(HostServices& services);

    const std::vector<TracedOp>& ops() const { return ops_; }

private:
    void record(const std::string& op, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs);

    HostServices& services_;
    std::vector<TracedOp> ops_;
    ScopedOpObserver observing_;  // after ops_: stops observing before ops_ goes
    std::unordered_set<std::string> counted_;  // names are unique in a ParameterStore
};

// One line of the table.
struct LayerRow {
    std::string layer;          // "fc1"; "" for an op that consumes no parameter
    std::string op;             // "linear"
    Shape output;               // with the batch dimension as traced
    int64_t params = 0;         // trainable and non-trainable elements first consumed by the op
    int64_t non_trainable = 0;  // of which buffers (running statistics)
};

// The rows of a trace of node `node`. A row's layer is its parameters' names without the
// instance prefix and the last component ("generator.fc1.weight" -> "fc1",
// "generator.block1.conv.weight" -> "block1.conv"); distinct layers of one op are joined by
// ", ". An op reusing an already counted parameter (tied weights) keeps its layer, with 0 params.
std::vector<LayerRow> layer_rows(const OpTrace& trace, const std::string& node);

// The table for `node`, an instance of `component`: a title, "Layer (op)", "Output shape" (a
// leading dimension equal to `batch` shown as N: "[N, 128]") and "Param #" columns, then
// "Total params", "Trainable params" and "Non-trainable params", counts with thousands
// separators ("579,728"). Ends with '\n'.
std::string format_layer_table(const std::string& node, const std::string& component,
                               const std::vector<LayerRow>& rows, int64_t batch);

// "579,728"; negative numbers keep their sign.
std::string with_thousands(int64_t n);

}  // namespace chimera
