// Reverse-mode autograd over a Context: ops record what they need to differentiate on the tape
// as they run (record_op, when needs_grad); backward walks the tape in reverse, handing each
// entry the gradients of its outputs and accumulating the gradients of its inputs, down to
// leaves (parameters) whose `grad` collects them across backward calls. Not the ops' maths:
// each op's backward lives beside its forward.
#pragma once

#include "autograd/context.hpp"

#include <functional>
#include <string>
#include <vector>

namespace chimera {

// True when an op with these inputs must be recorded: recording is on and an input needs grads.
bool needs_grad(const Context& ctx, const std::vector<Tensor>& inputs);

// Records an op: marks its outputs as requiring gradients and appends the entry.
void record_op(Context& ctx, const std::string& op, std::vector<Tensor> inputs,
               const std::vector<Tensor>& outputs, BackwardFn backward);

// What a caller may watch while backward runs (a data-parallel trainer sends each gradient on as
// soon as it is whole). Either may be empty.
struct BackwardHooks {
    // The leaf's `grad` is complete: no tape entry left to run adds to it. Leaves the tape never
    // used are not reported.
    std::function<void(const TensorImpl& leaf)> leaf_done;
    // After each tape entry.
    std::function<void()> entry_done;
};

// Differentiates sum_i weights[i] * sum(roots[i]) and clears the tape. Gradients of leaves
// that require them accumulate into their `grad`. Runs with recording off.
void backward(Context& ctx, const std::vector<Tensor>& roots, const std::vector<double>& weights,
              const BackwardHooks& hooks = {});
// The same with an explicit gradient for each root (same shape): differentiates
// sum_i sum(roots[i] * seeds[i]).
void backward_seeded(Context& ctx, const std::vector<Tensor>& roots, const std::vector<Tensor>& seeds,
                     const BackwardHooks& hooks = {});

// acc += g, elementwise (same shape). Used to accumulate gradients.
void accumulate(Tensor& acc, const Tensor& g);

}  // namespace chimera
