// permute(x, axes...) -> y with y.shape[d] = x.shape[axes[d]] (axes a permutation of the dims,
// negative counting from the end); transpose(x, axis0 = -2, axis1 = -1) swaps two dims.
// Both copy into a new contiguous tensor (tensors have no strides), f32 or i32. Save nothing
// but the permutation; backward permutes the gradient by its inverse.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

#include <algorithm>

namespace chimera {

namespace {

using Axes = std::vector<int>;

std::string axes_text(const Axes& axes) {
    std::string out = "(";
    for (std::size_t i = 0; i < axes.size(); ++i) out += (i ? ", " : "") + std::to_string(axes[i]);
    return out + ")";
}

// A copy of x with its dims reordered: output dim d is input dim axes[d].
Tensor permuted(Context& ctx, const Tensor& x, const Axes& axes) {
    const int rank = x.rank();
    Shape shape(rank);
    for (int d = 0; d < rank; ++d) shape[d] = x.dim(axes[d]);
    Tensor y = ctx.empty(x.dtype(), shape);
    const int64_t n = y.numel();
    if (n == 0) return y;
    const std::vector<int64_t> in_strides = contiguous_strides(x.shape());
    std::vector<int64_t> strides(rank);  // input stride of each output dim
    for (int d = 0; d < rank; ++d) strides[d] = in_strides[axes[d]];
    const int64_t last = rank ? shape[rank - 1] : 1;
    const int64_t last_stride = rank ? strides[rank - 1] : 1;
    const int64_t rows = n / last;
    const auto* px = static_cast<const uint32_t*>(x.raw());  // any 4-byte element, bit-exact
    auto* py = static_cast<uint32_t*>(y.raw());
#pragma omp parallel for schedule(static) if (n > 32768)
    for (int64_t row = 0; row < rows; ++row) {
        int64_t base = 0;
        for (int64_t d = rank - 2, rest = row; d >= 0; --d) {
            base += (rest % shape[d]) * strides[d];
            rest /= shape[d];
        }
        uint32_t* out = py + row * last;
        for (int64_t j = 0; j < last; ++j) out[j] = px[base + j * last_stride];
    }
    return y;
}

Tensor permute_recorded(Context& ctx, const std::string& op, const Tensor& x, const Axes& axes) {
    Tensor y = permuted(ctx, x, axes);
    if (needs_grad(ctx, {x})) {
        Axes inverse(axes.size());
        for (std::size_t d = 0; d < axes.size(); ++d) inverse[axes[d]] = static_cast<int>(d);
        record_op(ctx, op, {x}, {y}, [inverse](Context& c, const std::vector<Tensor>& g) {
            return std::vector<Tensor>{permuted(c, g[0], inverse)};
        });
    }
    return y;
}

std::vector<Tensor> permute(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = in[0];
    if (static_cast<int>(attrs.size()) != x.rank())
        throw ShapeError("permute: needs one axis per dimension of " + describe(x) + ", got " +
                         std::to_string(attrs.size()));
    Axes axes;
    for (std::size_t i = 0; i < attrs.size(); ++i)
        axes.push_back(
            normalise_axis("permute", int_attr("permute", attrs, i, "axis", -64, 64), x.rank()));
    Axes sorted = axes;
    std::sort(sorted.begin(), sorted.end());
    for (int d = 0; d < x.rank(); ++d)
        if (sorted[d] != d)
            throw ShapeError("permute: axes " + axes_text(axes) + " are not a permutation of the " +
                             std::to_string(x.rank()) + " dims of " + describe(x));
    return {permute_recorded(ctx, "permute", x, axes)};
}

std::vector<Tensor> transpose(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = in[0];
    if (attrs.size() == 1)
        throw ShapeError("transpose: takes both axes or neither (default -2, -1), got 1 attribute");
    if (attrs.empty()) expect_min_rank("transpose", "input", x, 2);
    int a0 = x.rank() - 2, a1 = x.rank() - 1;
    if (!attrs.empty()) {
        a0 = normalise_axis("transpose", int_attr("transpose", attrs, 0, "axis0", -64, 64),
                            x.rank());
        a1 = normalise_axis("transpose", int_attr("transpose", attrs, 1, "axis1", -64, 64),
                            x.rank());
    }
    Axes axes(x.rank());
    for (int d = 0; d < x.rank(); ++d) axes[d] = d;
    std::swap(axes[a0], axes[a1]);
    return {permute_recorded(ctx, "transpose", x, axes)};
}

}  // namespace

void register_permute(OpRegistry& r) {
    r.add({"permute", "permute(x) -> y with y.shape[d] = x.shape[axes[d]]", 1, 1, 1, permute});
    r.add({"transpose", "transpose(x) -> y with axis0 and axis1 swapped", 1, 1, 1, transpose});
}

}  // namespace chimera
