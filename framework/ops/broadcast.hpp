// NumPy-style broadcasting for the plain-loop ops: where element i of an output reads from an
// input of another (broadcastable) shape, the loop applying a function over two such inputs, and
// the reverse reduction that sums a gradient back to an input's shape. Not the ops themselves.
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

namespace detail {
// One row of a broadcast: SA / SB are the inputs' steps (0 repeats, 1 runs along).
template <int SA, int SB, class F>
void apply_row(const float* a, const float* b, float* y, int64_t n, F f) {
    for (int64_t j = 0; j < n; ++j) y[j] = f(a[j * SA], b[j * SB]);
}
}  // namespace detail

// y[i] = f(a[...], b[...]) over the broadcast `shape` of float32 a and b, as a float32 tensor.
template <class F>
Tensor broadcast_apply(Context& ctx, const Tensor& a, const Tensor& b, const Shape& shape, F f) {
    Tensor y = ctx.empty(DType::f32, shape);
    BroadcastRows rows(shape, {a.shape(), b.shape()});
    const float* pa = a.data<float>();
    const float* pb = b.data<float>();
    float* py = y.data<float>();
    const int64_t n = y.numel();
    if (rows.identity()) {
#pragma omp parallel for simd schedule(static) if (n > 32768)
        for (int64_t i = 0; i < n; ++i) py[i] = f(pa[i], pb[i]);
        return y;
    }
    const int64_t length = rows.length();
    const int kind = 2 * static_cast<int>(rows.step(0)) + static_cast<int>(rows.step(1));
#pragma omp parallel for schedule(static) if (n > 32768)
    for (int64_t r = 0; r < rows.rows(); ++r) {
        const float* ra = pa + rows.offset(0, r);
        const float* rb = pb + rows.offset(1, r);
        float* ry = py + r * length;
        switch (kind) {
        case 3: detail::apply_row<1, 1>(ra, rb, ry, length, f); break;
        case 2: detail::apply_row<1, 0>(ra, rb, ry, length, f); break;
        case 1: detail::apply_row<0, 1>(ra, rb, ry, length, f); break;
        default: detail::apply_row<0, 0>(ra, rb, ry, length, f); break;
        }
    }
    return y;
}

}  // namespace chimera
