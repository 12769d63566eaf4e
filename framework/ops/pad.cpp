// pad(x) with a constant, as PyTorch's F.pad(x, pads, value=value): attributes value, then pads
// in pairs from the last dimension backwards (before_last, after_last, before_prev, ...), for
// at most the last four dimensions (a list attribute holds CHM_MAX_RANK = 8 numbers):
//   x[..., d_i, ...] -> y[..., before_i + d_i + after_i, ...], y = value outside x.
//   dx = g's interior (the region x was copied to).
// Negative pads (cropping) are refused: slice does that. Saves only the shapes and pads.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

#include <algorithm>

namespace chimera {

namespace {

const char* const name = "pad";

// Per dimension of x (outermost first): the padding before it.
struct Padding {
    std::vector<int64_t> before;
    Shape x, y;
};

Padding check(const Tensor& x, const Attrs& attrs) {
    expect_dtype(name, "input x", x, DType::f32);
    const std::size_t n = attrs.size() > 1 ? attrs.size() - 1 : 0;
    if (n % 2 != 0 || n > 2 * static_cast<std::size_t>(x.rank()))
        throw ShapeError(std::string(name) + ": pads must come in pairs (before, after), at most two per dimension of x " +
                         describe(x) + ", got " + std::to_string(n) + " numbers");
    Padding p{std::vector<int64_t>(x.rank(), 0), x.shape(), x.shape()};
    for (std::size_t i = 0; i < n; ++i) {
        const int d = x.rank() - 1 - static_cast<int>(i / 2);
        const int64_t amount = int_attr(name, attrs, i + 1, "pad", -max_geometry, max_geometry);
        if (amount < 0)
            throw ShapeError(std::string(name) + ": pad " + std::to_string(amount) + " for dimension " + std::to_string(d) +
                             " of x " + describe(x) + " is negative; pads must be >= 0 (use slice to crop)");
        if (i % 2 == 0) p.before[d] = amount;
        p.y[d] += amount;
    }
    return p;
}

// Calls copy(x_offset, y_offset, length) for each row of x's last dimension and where it sits in y.
template <class F>
void for_each_row(const Padding& p, F copy) {
    const int rank = static_cast<int>(p.x.size());
    if (rank == 0) {
        copy(0, 0, 1);
        return;
    }
    const int64_t length = p.x.back(), count = numel(p.x);
    if (length == 0 || count == 0) return;
    std::vector<int64_t> y_strides(rank, 1);
    for (int d = rank - 1; d-- > 0;) y_strides[d] = y_strides[d + 1] * p.y[d + 1];
    for (int64_t row = 0, rows = count / length; row < rows; ++row) {
        int64_t rest = row, at = p.before[rank - 1];
        for (int d = rank - 2; d >= 0; --d) {
            at += (rest % p.x[d] + p.before[d]) * y_strides[d];
            rest /= p.x[d];
        }
        copy(row * length, at, length);
    }
}

std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = in[0];
    const Padding p = check(x, attrs);
    const float value = attrs.empty() ? 0.0f : static_cast<float>(attrs[0]);
    Tensor y = ctx.empty(DType::f32, p.y);
    float* py = y.data<float>();
    std::fill(py, py + y.numel(), value);
    const float* px = x.data<float>();
    for_each_row(p, [&](int64_t from, int64_t to, int64_t n) { std::copy(px + from, px + from + n, py + to); });
    if (needs_grad(ctx, {x}))
        record_op(ctx, name, {x}, {y}, [p](Context& c, const std::vector<Tensor>& g) {
            Tensor dx = c.empty(DType::f32, p.x);
            const float* pg = g[0].data<float>();
            float* pd = dx.data<float>();
            for_each_row(p, [&](int64_t to, int64_t from, int64_t n) { std::copy(pg + from, pg + from + n, pd + to); });
            return std::vector<Tensor>{dx};
        });
    return {y};
}

}  // namespace

void register_pad(OpRegistry& r) {
    r.add({name, "pad(x) -> y, x with `value` around it, pads in pairs from the last dimension backwards", 1, 1, 1,
           forward, 0, {}});
}

}  // namespace chimera
