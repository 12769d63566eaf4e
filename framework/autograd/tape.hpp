// The tape: what ops append as they run so that the computation can be differentiated later,
// in order. Each entry holds where its inputs' gradients go and a closure computing them from
// its outputs' gradients. A plain record: recording and differentiating are graph.hpp's.
#pragma once

#include "tensor/tensor.hpp"

#include <functional>
#include <memory>
#include <string>
#include <utility>
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
    // Every entry recorded so far, in order; the tape is empty after.
    std::vector<TapeEntry> take() { return std::exchange(entries_, {}); }

private:
    std::vector<TapeEntry> entries_;
    uint64_t last_id_ = 0;
};

}  // namespace chimera
