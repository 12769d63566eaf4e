// Reverse-mode autograd: ops append what they need to differentiate to the tape as they run;
// backward walks it in reverse, handing each entry the gradients of its outputs and
// accumulating the gradients of its inputs, down to leaves (parameters) whose `grad` collects
// them across backward calls. Not the ops' maths: each op's backward lives beside its forward.
#pragma once

#include "tensor/tensor.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace chimera {

class Context;

// Gradients of an entry's inputs (an undefined Tensor for an input that needs none) from the
// gradients of its outputs (never undefined: missing ones are passed as zeros).
using BackwardFn =
    std::function<std::vector<Tensor>(Context&, const std::vector<Tensor>& grad_outputs)>;

// An op's input as backward needs it: where its gradient goes. A leaf (a parameter) is held
// for its `grad`; any other tensor only by its tape id, so the tape itself keeps no activation
// alive: what an op's backward needs, its closure saved.
struct TapeInput {
    std::shared_ptr<TensorImpl> leaf;  // leaves that require grad
    uint64_t id = 0;                   // non-leaves that require grad; 0 for none
    Shape shape;
};

struct TapeEntry {
    std::string op;
    std::vector<TapeInput> inputs;
    std::vector<uint64_t> outputs;  // tape ids
    std::vector<Shape> output_shapes;
    BackwardFn backward;
};

class Tape {
public:
    void record(TapeEntry entry) { entries_.push_back(std::move(entry)); }
    std::size_t size() const { return entries_.size(); }
    void clear() { entries_.clear(); }
    uint64_t next_id() { return ++last_id_; }

    // Differentiates sum_i weights[i] * sum(roots[i]) and clears the tape. Gradients of leaves
    // that require them accumulate into their `grad`. Runs with recording off.
    void backward(Context& ctx, const std::vector<Tensor>& roots, const std::vector<double>& weights);
    // The same with an explicit gradient for each root (same shape): differentiates
    // sum_i sum(roots[i] * seeds[i]).
    void backward_seeded(Context& ctx, const std::vector<Tensor>& roots, const std::vector<Tensor>& seeds);

private:
    std::vector<TapeEntry> entries_;
    uint64_t last_id_ = 0;
};

// True when an op with these inputs must be recorded: recording is on and an input needs grads.
bool needs_grad(const Context& ctx, const std::vector<Tensor>& inputs);

// Records an op: marks its outputs as requiring gradients and appends the entry.
void record_op(Context& ctx, const std::string& op, std::vector<Tensor> inputs,
               const std::vector<Tensor>& outputs, BackwardFn backward);

// acc += g, elementwise (same shape). Used to accumulate gradients.
void accumulate(Tensor& acc, const Tensor& g);

}  // namespace chimera
