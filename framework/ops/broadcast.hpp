// NumPy-style broadcasting for the plain-loop ops: where element i of an output reads from an
// input of another (broadcastable) shape, and the reverse reduction that sums a gradient back
// to an input's shape. Not the ops themselves.
#pragma once

#include "autograd/context.hpp"
#include "tensor/tensor.hpp"

#include <vector>

namespace chimera {

// An output of `out_shape` read from inputs of other (broadcastable) shapes, as rows: the
// dimensions are collapsed as far as every input allows, and row r of the output (elements
// [r * length, (r + 1) * length)) reads input k at offset(k, r) + j * step(k), where step is 1
// or 0 (the input repeats along the row). Inner loops then run over contiguous memory.
class BroadcastRows {
public:
    BroadcastRows(const Shape& out_shape, const std::vector<Shape>& in_shapes);
    int64_t rows() const { return rows_; }
    int64_t length() const { return length_; }
    int64_t step(std::size_t k) const { return steps_[k]; }
    int64_t offset(std::size_t k, int64_t row) const;
    bool identity() const { return identity_; }  // every input has the output's shape

private:
    std::vector<int64_t> outer_;                // collapsed outer dimensions, outermost first
    std::vector<std::vector<int64_t>> strides_;  // per input, per outer dimension
    std::vector<int64_t> steps_;
    int64_t rows_ = 1, length_ = 1;
    bool identity_ = true;
};

// The sum of `g` (shaped like a broadcast output) over the dimensions `shape` was broadcast
// along: the gradient for an input of that shape.
Tensor sum_to_shape(Context& ctx, const Tensor& g, const Shape& shape);

// `t` repeated to `shape` (the inverse direction of sum_to_shape).
Tensor expand_to(Context& ctx, const Tensor& t, const Shape& shape);

}  // namespace chimera
