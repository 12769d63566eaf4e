#include "export/graph_trace.hpp"

namespace chimera {

GraphTrace::GraphTrace(HostServices& services) : services_(services), previous_(services.op_observer) {
    services_.op_observer = [this](const OpCall& call) {
        calls_.push_back({call.op, call.inputs, call.attrs, call.outputs});
        if (previous_) previous_(call);
    };
}

GraphTrace::~GraphTrace() { services_.op_observer = std::move(previous_); }

}  // namespace chimera
