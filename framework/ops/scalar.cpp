// A float32 tensor and a scalar attribute, x[...] -> y[...] (same shape): add_scalar(c) = x + c,
// mul_scalar(c) = c x, rsub_scalar(c) = c - x, pow_scalar(p) = x^p;  d/dx = 1, c, -1, p x^(p-1)
// (0 when p = 0, as PyTorch). For non-integer p, x^p is NaN where x < 0 and the gradient is
// infinite at x = 0 when p < 1, so only inputs > 0 are differentiable there. Not tensor-tensor
// arithmetic (binary.cpp). Saves c for mul_scalar, x and p for pow_scalar, nothing otherwise.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

#include <cmath>

namespace chimera {

namespace {

// y[i] = f(x[i]).
template <class F>
Tensor map(Context& ctx, const Tensor& x, F f) {
    Tensor y = ctx.empty(DType::f32, x.shape());
    const float* px = x.data<float>();
    float* py = y.data<float>();
    const int64_t n = y.numel();
#pragma omp parallel for schedule(static) if (n > 32768)
    for (int64_t i = 0; i < n; ++i) py[i] = f(px[i]);
    return y;
}

// y[i] = f(a[i], b[i]) for two tensors of the same shape.
template <class F>
Tensor zip(Context& ctx, const Tensor& a, const Tensor& b, F f) {
    Tensor y = ctx.empty(DType::f32, a.shape());
    const float* pa = a.data<float>();
    const float* pb = b.data<float>();
    float* py = y.data<float>();
    const int64_t n = y.numel();
#pragma omp parallel for schedule(static) if (n > 32768)
    for (int64_t i = 0; i < n; ++i) py[i] = f(pa[i], pb[i]);
    return y;
}

const Tensor& checked(const char* op, const std::vector<Tensor>& in) {
    expect_dtype(op, "input", in[0], DType::f32);
    return in[0];
}

std::vector<Tensor> add_scalar(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = checked("add_scalar", in);
    const float c = static_cast<float>(attrs[0]);
    Tensor y = map(ctx, x, [c](float v) { return v + c; });
    if (needs_grad(ctx, {x}))
        record_op(ctx, "add_scalar", {x}, {y}, [](Context&, const std::vector<Tensor>& g) {
            return std::vector<Tensor>{g[0]};
        });
    return {y};
}

std::vector<Tensor> mul_scalar(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = checked("mul_scalar", in);
    const float c = static_cast<float>(attrs[0]);
    Tensor y = map(ctx, x, [c](float v) { return c * v; });
    if (needs_grad(ctx, {x}))
        record_op(ctx, "mul_scalar", {x}, {y}, [c](Context& cx, const std::vector<Tensor>& g) {
            return std::vector<Tensor>{map(cx, g[0], [c](float v) { return c * v; })};
        });
    return {y};
}

std::vector<Tensor> rsub_scalar(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = checked("rsub_scalar", in);
    const float c = static_cast<float>(attrs[0]);
    Tensor y = map(ctx, x, [c](float v) { return c - v; });
    if (needs_grad(ctx, {x}))
        record_op(ctx, "rsub_scalar", {x}, {y}, [](Context& cx, const std::vector<Tensor>& g) {
            return std::vector<Tensor>{map(cx, g[0], [](float v) { return -v; })};
        });
    return {y};
}

std::vector<Tensor> pow_scalar(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = checked("pow_scalar", in);
    const float p = static_cast<float>(attrs[0]);
    Tensor y = map(ctx, x, [p](float v) { return std::pow(v, p); });
    if (needs_grad(ctx, {x}))
        record_op(ctx, "pow_scalar", {x}, {y}, [x, p](Context& cx, const std::vector<Tensor>& g) {
            if (p == 0.0f) return std::vector<Tensor>{cx.zeros(DType::f32, x.shape())};
            return std::vector<Tensor>{zip(cx, g[0], x, [p](float gv, float v) {
                return gv * p * std::pow(v, p - 1.0f);
            })};
        });
    return {y};
}

}  // namespace

void register_scalar(OpRegistry& r) {
    r.add({"add_scalar", "add_scalar(x) -> y = x + c, same shape", 1, 1, 1, add_scalar});
    r.add({"mul_scalar", "mul_scalar(x) -> y = c x, same shape", 1, 1, 1, mul_scalar});
    r.add({"rsub_scalar", "rsub_scalar(x) -> y = c - x, same shape", 1, 1, 1, rsub_scalar});
    r.add({"pow_scalar", "pow_scalar(x) -> y = x^p, same shape (x > 0 for non-integer p)", 1, 1, 1, pow_scalar});
}

}  // namespace chimera
