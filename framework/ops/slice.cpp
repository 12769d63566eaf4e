// slice(x, axis, start, stop, step = 1) -> y = x[..., start:stop:step, ...] along one axis, as
// Python: negative start/stop count from the end, both are clamped to [0, n], step >= 1, and an
// empty range gives a size-0 dim. f32 or i32; copies. Saves x's shape and the range; backward
// scatters the gradient into zeros of x's shape. Not negative steps.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

#include <algorithm>

namespace chimera {

namespace {

struct Range {
    int64_t outer = 1, n = 0, inner = 1;  // x viewed as [outer, n, inner]
    int64_t start = 0, step = 1, count = 0;
};

int64_t clamp_index(int64_t i, int64_t n) {
    if (i < 0) i += n;
    return std::clamp<int64_t>(i, 0, n);
}

Range plan(const Tensor& x, const Attrs& attrs, int& axis) {
    constexpr int64_t big = int64_t(1) << 62;  // "to the end" may be given as a huge number
    expect_min_rank("slice", "input", x, 1);
    axis = normalise_axis("slice", int_attr("slice", attrs, 0, "axis", -64, 64), x.rank());
    Range r;
    r.n = x.dim(axis);
    for (int d = 0; d < axis; ++d) r.outer *= x.dim(d);
    for (int d = axis + 1; d < x.rank(); ++d) r.inner *= x.dim(d);
    r.start = clamp_index(int_attr("slice", attrs, 1, "start", -big, big), r.n);
    const int64_t stop = clamp_index(int_attr("slice", attrs, 2, "stop", -big, big), r.n);
    r.step = attrs.size() > 3 ? int_attr("slice", attrs, 3, "step", 1, big) : 1;
    r.count = stop > r.start ? (stop - r.start + r.step - 1) / r.step : 0;
    return r;
}

// Copies between x's selected rows and y (shaped [outer, count, inner]), toward y if `to_y`.
void copy_range(const Range& r, uint32_t* x, uint32_t* y, bool to_y) {
    const int64_t rows = r.outer * r.count;
#pragma omp parallel for schedule(static) if (rows * r.inner > 32768 && rows > 1)
    for (int64_t row = 0; row < rows; ++row) {
        const int64_t o = row / r.count, j = row % r.count;
        uint32_t* xs = x + (o * r.n + r.start + j * r.step) * r.inner;
        uint32_t* ys = y + row * r.inner;
        if (to_y)
            std::copy_n(xs, r.inner, ys);
        else
            std::copy_n(ys, r.inner, xs);
    }
}

std::vector<Tensor> slice(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = in[0];
    int axis = 0;
    const Range r = plan(x, attrs, axis);
    Shape shape = x.shape();
    shape[axis] = r.count;
    Tensor y = ctx.empty(x.dtype(), shape);
    copy_range(r, static_cast<uint32_t*>(x.raw()), static_cast<uint32_t*>(y.raw()), true);
    if (needs_grad(ctx, {x})) {
        Shape x_shape = x.shape();
        record_op(ctx, "slice", {x}, {y}, [r, x_shape](Context& c, const std::vector<Tensor>& g) {
            Tensor dx = c.zeros(DType::f32, x_shape);
            copy_range(r, static_cast<uint32_t*>(dx.raw()), static_cast<uint32_t*>(g[0].raw()),
                       false);
            return std::vector<Tensor>{dx};
        });
    }
    return {y};
}

}  // namespace

void register_slice(OpRegistry& r) {
    r.add({"slice", "slice(x) -> y = x[start:stop:step] along axis", 1, 1, 1, slice});
}

}  // namespace chimera
