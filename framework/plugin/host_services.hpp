// What the host lends plugins while it computes: the run's context (tensors, tape, parameters,
// random state) and its op set, plus the name of the component instance being created, under
// which that instance's parameters are registered, and an observer of the ops plugins call.
// Attached to every library's host table by the code that runs a pipeline; absent while the
// host only lists or describes plugins.
#pragma once

#include "ops/op_registry.hpp"

#include <chimera/abi.h>

#include <functional>

#include <string>
#include <utility>
#include <vector>

// The ABI's opaque handles, defined by the host. A chm_tensor is one reference to a Tensor.
struct chm_tensor {
    chimera::Tensor tensor;
};

struct chm_outputs {
    std::vector<std::pair<std::string, chimera::Tensor>> items;
};

namespace chimera {

// One op a plugin called through the host table, after it ran: its name, its inputs (undefined
// for an input the plugin passed as NULL), its positional attributes (a named call's, translated;
// trailing defaults may be left out, as the op reads them) and its outputs.
struct OpCall {
    const std::string& op;
    const std::vector<Tensor>& inputs;
    const Attrs& attrs;
    const std::vector<Tensor>& outputs;
};

// Sees every op a plugin calls through the host table. For tools that inspect a module (a layer
// summary, an export); not called for ops the host runs itself. An observer that throws fails
// the op call it observed.
using OpObserver = std::function<void(const OpCall& call)>;

struct HostServices {
    Context& context;
    const OpRegistry& ops;
    std::string creating;              // instance whose create() is running ("" otherwise)
    OpObserver op_observer = nullptr;  // empty (the default): plugin ops then pay one test
};

// Installs `observer` on `services` while it lives, chained before the observer it found (which
// it calls after its own, so traces nest), and puts that one back when it goes.
class ScopedOpObserver {
public:
    ScopedOpObserver(HostServices& services, OpObserver observer) : services_(services), previous_(services.op_observer) {
        services_.op_observer = [this, own = std::move(observer)](const OpCall& call) {
            own(call);
            if (previous_) previous_(call);
        };
    }
    ~ScopedOpObserver() { services_.op_observer = std::move(previous_); }
    ScopedOpObserver(const ScopedOpObserver&) = delete;
    ScopedOpObserver& operator=(const ScopedOpObserver&) = delete;

private:
    HostServices& services_;
    OpObserver previous_;
};

// The tensor, parameter and op members of the host table (ABI 1.1).
void install_compute_functions(chm_host& table);

}  // namespace chimera
