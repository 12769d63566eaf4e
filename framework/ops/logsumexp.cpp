// logsumexp of a float32 tensor over axes (attributes keepdim, axis...; none: all), as
// torch.logsumexp:  y = m + log(sum exp(x - m)), m the maximum over the same axes (0 where it is
// infinite, so all -inf gives -inf and no NaN), which keeps large x finite.
//   dx = g exp(x - y)   (softmax of x over the axes, times g).
// Saves x and y in the kept shape (reduced axes as 1).
#include "autograd/graph.hpp"
#include "ops/reduction.hpp"

#include <cmath>
#include <limits>

namespace chimera {

namespace {

const char* const name = "logsumexp";

std::vector<Tensor> backward(Context& ctx, const Tensor& x, const Tensor& y, const Tensor& g) {
    Tensor weights = broadcast_apply(ctx, x, y, x.shape(), [](float v, float l) { return std::exp(v - l); });
    return {broadcast_apply(ctx, weights, g, x.shape(), [](float w, float gv) { return w * gv; })};
}

std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = in[0];
    expect_dtype(name, "input", x, DType::f32);
    const Reduction r = plan_reduction(name, x, attrs);
    Tensor m = fold_to(ctx, x, r.kept, -std::numeric_limits<float>::infinity(),
                       [](float acc, float v) { return v > acc || std::isnan(v) ? v : acc; });
    float* pm = m.data<float>();
    for (int64_t i = 0; i < m.numel(); ++i)
        if (std::isinf(pm[i])) pm[i] = 0.0f;
    Tensor e = broadcast_apply(ctx, x, m, x.shape(), [](float v, float top) { return std::exp(v - top); });
    Tensor s = fold_to(ctx, e, r.kept, 0.0f, [](float acc, float v) { return acc + v; });
    Tensor kept = broadcast_apply(ctx, m, s, r.kept, [](float top, float sum) { return top + std::log(sum); });
    Tensor y = kept.reshaped(r.result);
    if (needs_grad(ctx, {x}))
        record_op(ctx, name, {x}, {y}, [x, kept](Context& c, const std::vector<Tensor>& g) {
            return backward(c, x, kept, g[0].reshaped(kept.shape()));
        });
    return {y};
}

}  // namespace

void register_logsumexp(OpRegistry& r) {
    r.add({name, "logsumexp(x) -> y, log(sum(exp(x))) over the given axes (all when none)", 1, 1, 1, forward, 0, {}});
}

}  // namespace chimera
