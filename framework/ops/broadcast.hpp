// NumPy-style broadcasting for the plain-loop ops: where element i of an output reads from an
// input of another (broadcastable) shape, and the reverse reduction that sums a gradient back
// to an input's shape. Not the ops themselves.
#pragma once

#include "runtime/context.hpp"
#include "tensor/tensor.hpp"

#include <vector>

namespace chimera {

// Maps flat indices of `out_shape` to flat indices of `in_shape` (right-aligned, size-1 and
// missing dimensions repeat).
class BroadcastIndex {
public:
    BroadcastIndex(const Shape& out_shape, const Shape& in_shape);
    int64_t operator()(int64_t out_index) const;
    bool identity() const { return identity_; }

private:
    Shape out_shape_;
    std::vector<int64_t> in_strides_;  // per output dimension; 0 where the input repeats
    bool identity_;
};

// The sum of `g` (shaped like a broadcast output) over the dimensions `shape` was broadcast
// along: the gradient for an input of that shape.
Tensor sum_to_shape(Context& ctx, const Tensor& g, const Shape& shape);

// `t` repeated to `shape` (the inverse direction of sum_to_shape).
Tensor expand_to(Context& ctx, const Tensor& t, const Shape& shape);

}  // namespace chimera
