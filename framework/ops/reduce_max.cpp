// max and argmax of a float32 tensor.
//   max(x) over axes (attributes keepdim, axis...; none: all), as torch.amax: y = the largest
//     value; dx = g / k at each of the k positions holding it (ties share evenly), 0 elsewhere.
//     Saves x and the kept-shape maxima.
//   argmax(x) along one axis (attributes axis, keepdim): int32 index of the largest value, the
//     first among ties, as torch.argmax. Not differentiable: nothing saved or recorded.
// A NaN counts as the largest value, as in torch. Reducing over an empty axis is refused.
#include "autograd/graph.hpp"
#include "ops/reduction.hpp"

#include <cmath>
#include <limits>

namespace chimera {

namespace {

float larger(float acc, float v) { return (v > acc || std::isnan(v)) ? v : acc; }

void refuse_empty(const std::string& op, const Tensor& x, int64_t count) {
    if (count == 0) throw ShapeError(op + ": cannot reduce over an empty axis of " + describe(x));
}

std::vector<Tensor> max_backward(Context& ctx, const Tensor& x, const Tensor& top, const Tensor& g) {
    Tensor at_top = broadcast_apply(ctx, x, top, x.shape(), [](float v, float t) { return v == t ? 1.0f : 0.0f; });
    Tensor ties = sum_to_shape(ctx, at_top, top.shape());
    Tensor share = broadcast_apply(ctx, g, ties, top.shape(), [](float gv, float k) { return k > 0 ? gv / k : 0.0f; });
    return {broadcast_apply(ctx, at_top, share, x.shape(), [](float m, float s) { return m * s; })};
}

std::vector<Tensor> max_forward(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = in[0];
    expect_dtype("max", "input", x, DType::f32);
    const Reduction r = plan_reduction("max", x, attrs);
    refuse_empty("max", x, r.count);
    Tensor top = fold_to(ctx, x, r.kept, -std::numeric_limits<float>::infinity(), larger);
    Tensor y = top.reshaped(r.result);
    if (needs_grad(ctx, {x}))
        record_op(ctx, "max", {x}, {y}, [x, top](Context& c, const std::vector<Tensor>& g) {
            return max_backward(c, x, top, g[0].reshaped(top.shape()));
        });
    return {y};
}

std::vector<Tensor> argmax_forward(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const char* const op = "argmax";
    const Tensor& x = in[0];
    expect_dtype(op, "input", x, DType::f32);
    expect_min_rank(op, "input", x, 1);
    const int axis = normalise_axis(op, int_attr(op, attrs, 0, "axis", -64, 64), x.rank());
    const bool keepdim = int_attr_or(op, attrs, 1, "keepdim", 0, 0, 1) == 1;
    refuse_empty(op, x, x.dim(axis));
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= x.dim(d);
    for (int d = axis + 1; d < x.rank(); ++d) inner *= x.dim(d);
    Shape shape;
    for (int d = 0; d < x.rank(); ++d)
        if (d != axis) shape.push_back(x.dim(d));
        else if (keepdim) shape.push_back(1);
    Tensor y = ctx.empty(DType::i32, shape);
    const float* px = x.data<float>();
    int32_t* py = y.data<int32_t>();
    const int64_t n = x.dim(axis);
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t i = 0; i < inner; ++i) {
            const float* base = px + o * n * inner + i;
            int64_t best = 0;
            for (int64_t k = 1; k < n; ++k) {
                const float top = base[best * inner], v = base[k * inner];
                if (!std::isnan(top) && (v > top || std::isnan(v))) best = k;  // strictly: the first tie stays
            }
            py[o * inner + i] = static_cast<int32_t>(best);
        }
    return {y};
}

}  // namespace

void register_reduce_max(OpRegistry& r) {
    r.add({"max", "max(x) -> y, the largest value over the given axes (all when none)", 1, 1, 1, max_forward, 0, {}});
    r.add({"argmax", "argmax(x) -> i32 index of the largest value along the axis (the first among ties)", 1, 1, 1,
           argmax_forward, 0, {}});
}

}  // namespace chimera
