// What the host lends plugins while it computes: the run's context (tensors, tape, parameters,
// random state) and its op set, plus the name of the component instance being created, under
// which that instance's parameters are registered. Attached to every library's host table by
// the code that runs a pipeline; absent while the host only lists or describes plugins.
#pragma once

#include "ops/op_registry.hpp"
#include "runtime/context.hpp"

#include <chimera/abi.h>

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

struct HostServices {
    Context& context;
    const OpRegistry& ops;
    std::string creating;  // instance whose create() is running ("" otherwise)
};

// The tensor, parameter and op members of the host table (ABI 1.1).
void install_compute_functions(chm_host& table);

}  // namespace chimera
