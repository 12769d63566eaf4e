// clamp(x, lo, hi) -> y = min(max(x, lo), hi), float32, same shape; NaN stays NaN. Bounds may be
// infinite for a one-sided clamp; lo > hi is an error (PyTorch would silently return hi).
// Saves x; the gradient passes where lo <= x <= hi (bounds included, as PyTorch) and is 0
// elsewhere. Not tensor-valued bounds.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

#include <sstream>

namespace chimera {

namespace {

std::vector<Tensor> clamp(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = in[0];
    expect_dtype("clamp", "input", x, DType::f32);
    if (!(attrs[0] <= attrs[1])) {
        std::ostringstream s;
        s << "clamp: lo " << attrs[0] << " must not exceed hi " << attrs[1] << " (input "
          << describe(x) << ")";
        throw ShapeError(s.str());
    }
    const float lo = static_cast<float>(attrs[0]), hi = static_cast<float>(attrs[1]);
    Tensor y = ctx.empty(DType::f32, x.shape());
    const float* px = x.data<float>();
    float* py = y.data<float>();
    const int64_t n = x.numel();
#pragma omp parallel for simd schedule(static) if (n > 32768)
    for (int64_t i = 0; i < n; ++i) py[i] = px[i] < lo ? lo : (px[i] > hi ? hi : px[i]);

    if (needs_grad(ctx, {x}))
        record_op(ctx, "clamp", {x}, {y}, [x, lo, hi](Context& c, const std::vector<Tensor>& g) {
            Tensor dx = c.empty(DType::f32, x.shape());
            const float* xs = x.data<float>();
            const float* gs = g[0].data<float>();
            float* d = dx.data<float>();
            const int64_t count = x.numel();
#pragma omp parallel for simd schedule(static) if (count > 32768)
            for (int64_t i = 0; i < count; ++i) d[i] = lo <= xs[i] && xs[i] <= hi ? gs[i] : 0.0f;
            return std::vector<Tensor>{dx};
        });
    return {y};
}

}  // namespace

void register_clamp(OpRegistry& r) {
    r.add({"clamp", "clamp(x) -> y = min(max(x, lo), hi), same shape", 1, 1, 1, clamp});
}

}  // namespace chimera
