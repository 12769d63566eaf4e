// var of a float32 tensor over axes, as torch.var(x, dims, correction, keepdim): attributes
// correction (default 1: unbiased), keepdim, axis... (none: all).
//   y = sum (x - mean)^2 / (n - correction),  n the elements reduced into each output
//   (n - correction <= 0 gives inf or NaN, as in torch);   dx = g 2 (x - mean) / (n - correction).
// Saves x's deviations from the mean (x's shape).
#include "autograd/graph.hpp"
#include "ops/reduction.hpp"

#include <algorithm>
#include <cmath>

namespace chimera {

namespace {

const char* const name = "var";

std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = in[0];
    expect_dtype(name, "input", x, DType::f32);
    const int64_t correction = int_attr_or(name, attrs, 0, "correction", 1, 0, 1 << 30);
    const Reduction r = plan_reduction(name, x, attrs.size() > 1 ? Attrs(attrs.begin() + 1, attrs.end()) : Attrs{});
    const float n = static_cast<float>(r.count);
    const float divisor = std::max(n - static_cast<float>(correction), 0.0f);
    Tensor sum = fold_to(ctx, x, r.kept, 0.0f, [](float acc, float v) { return acc + v; });
    Tensor deviation = broadcast_apply(ctx, x, sum, x.shape(), [n](float v, float s) { return v - s / n; });
    Tensor squares = fold_to(ctx, deviation, r.kept, 0.0f, [](float acc, float d) { return acc + d * d; });
    float* p = squares.data<float>();
    for (int64_t i = 0; i < squares.numel(); ++i) p[i] /= divisor;
    Tensor y = squares.reshaped(r.result);
    if (needs_grad(ctx, {x})) {
        Shape kept = r.kept;
        record_op(ctx, name, {x}, {y}, [deviation, kept, divisor](Context& c, const std::vector<Tensor>& g) {
            return std::vector<Tensor>{broadcast_apply(c, deviation, g[0].reshaped(kept), deviation.shape(),
                                                       [divisor](float d, float gv) { return 2.0f * d * gv / divisor; })};
        });
    }
    return {y};
}

}  // namespace

void register_var(OpRegistry& r) {
    r.add({name, "var(x) -> y, the variance over the given axes (all when none), divided by n - correction", 1, 1, 1,
           forward, 0, {}});
}

}  // namespace chimera
