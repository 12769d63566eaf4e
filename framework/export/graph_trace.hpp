// The ops plugin modules call through the host while a forward runs, with their attributes and
// tensors, for writing the computation in another format (ONNX). Every tensor is kept alive so
// that identities (TensorImpl pointers) stay unique for the trace's life. Not a profiler, and
// blind to ops the host runs itself.
#pragma once

#include "plugin/host_services.hpp"

#include <string>
#include <vector>

namespace chimera {

struct TracedCall {
    std::string op;
    std::vector<Tensor> inputs;  // undefined for an optional input left out
    Attrs attrs;                 // positional; trailing defaults may be left out
    std::vector<Tensor> outputs;
};

// Records while it lives (installs an op observer; puts back the one it found, which it also
// calls meanwhile).
class GraphTrace {
public:
    explicit GraphTrace(HostServices& services)
        : observing_(services, [this](const OpCall& c) { calls_.push_back({c.op, c.inputs, c.attrs, c.outputs}); }) {}

    const std::vector<TracedCall>& calls() const { return calls_; }

private:
    std::vector<TracedCall> calls_;
    ScopedOpObserver observing_;  // after calls_: stops observing before calls_ goes
};

}  // namespace chimera
