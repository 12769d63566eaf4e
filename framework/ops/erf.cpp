// erf of a float32 tensor, elementwise:  x[...] -> y[...],  y = erf(x) = 2/sqrt(pi) int_0^x e^(-t^2) dt,
//   dx = g 2/sqrt(pi) e^(-x^2).
// A plain loop (std::erf): oneDNN's eltwise has no erf of its own. Saves x.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

#include <cmath>

namespace chimera {

namespace {

const char* const name = "erf";

std::vector<Tensor> backward(Context& ctx, const Tensor& x, const Tensor& g) {
    const float two_over_sqrt_pi = 1.12837916709551257f;
    Tensor dx = ctx.empty(DType::f32, x.shape());
    const float *px = x.data<float>(), *pg = g.data<float>();
    float* pd = dx.data<float>();
    const int64_t n = x.numel();
#pragma omp parallel for simd schedule(static) if (n > 32768)
    for (int64_t i = 0; i < n; ++i) pd[i] = pg[i] * two_over_sqrt_pi * std::exp(-px[i] * px[i]);
    return {dx};
}

std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs&) {
    const Tensor& x = in[0];
    expect_dtype(name, "input", x, DType::f32);
    Tensor y = ctx.empty(DType::f32, x.shape());
    const float* px = x.data<float>();
    float* py = y.data<float>();
    const int64_t n = x.numel();
#pragma omp parallel for schedule(static) if (n > 32768)
    for (int64_t i = 0; i < n; ++i) py[i] = std::erf(px[i]);
    if (needs_grad(ctx, {x}))
        record_op(ctx, name, {x}, {y}, [x](Context& c, const std::vector<Tensor>& g) { return backward(c, x, g[0]); });
    return {y};
}

}  // namespace

void register_erf(OpRegistry& r) {
    r.add({name, "erf(x) -> y, the error function, same shape", 1, 1, 1, forward, 0, {}});
}

}  // namespace chimera
