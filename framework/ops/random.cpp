// Random tensors, f32:  random_uniform(lo, hi, dims...) -> U[lo, hi) of shape dims;
// random_normal(mean, std, dims...) -> N(mean, std^2); bernoulli(p f32[...]) -> 1 with
// probability p[i] else 0, p's shape. Each call takes the context's next Philox stream and draws
// element i from counter i alone, so results are identical for any thread count (and a rank
// computing rows of a batch draws those rows' counters: Device::random_offset). Not
// differentiable: outputs never require gradients, nothing is saved, nothing is recorded.
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace chimera {

namespace {

// The shape from attributes 2 onwards (none: a scalar).
Shape shape_attrs(const char* op, const Attrs& attrs) {
    Shape shape;
    for (std::size_t i = 2; i < attrs.size(); ++i)
        shape.push_back(int_attr(op, attrs, i, "dimension", 0, int64_t(1) << 40));
    return shape;
}

std::vector<Tensor> random_uniform(Context& ctx, const std::vector<Tensor>&, const Attrs& attrs) {
    if (!(attrs[0] <= attrs[1])) {
        std::ostringstream s;
        s << "random_uniform: lo " << attrs[0] << " must not exceed hi " << attrs[1];
        throw ShapeError(s.str());
    }
    Tensor y = ctx.empty(DType::f32, shape_attrs("random_uniform", attrs));
    const float lo = static_cast<float>(attrs[0]), width = static_cast<float>(attrs[1] - attrs[0]);
    // Rounding of lo + width * u may reach hi; the result stays below it (or is lo when lo = hi).
    const float top = width > 0 ? std::nextafter(static_cast<float>(attrs[1]), lo) : lo;
    float* p = y.data<float>();
    const int64_t n = y.numel();
    philox_uniform(ctx.device().next_random_stream(), p, n, ctx.device().random_offset(y.shape()));
    // 1 - u maps philox's (0, 1] onto [0, 1) exactly (both are multiples of 2^-24).
#pragma omp parallel for simd schedule(static) if (n > 32768)
    for (int64_t i = 0; i < n; ++i) p[i] = std::min(lo + width * (1.0f - p[i]), top);
    return {y};
}

std::vector<Tensor> random_normal(Context& ctx, const std::vector<Tensor>&, const Attrs& attrs) {
    if (!(attrs[1] >= 0.0)) {
        std::ostringstream s;
        s << "random_normal: std must be >= 0, got " << attrs[1];
        throw ShapeError(s.str());
    }
    Tensor y = ctx.empty(DType::f32, shape_attrs("random_normal", attrs));
    const float mean = static_cast<float>(attrs[0]), sigma = static_cast<float>(attrs[1]);
    float* p = y.data<float>();
    const int64_t n = y.numel();
    philox_normal(ctx.device().next_random_stream(), p, n, ctx.device().random_offset(y.shape()));
#pragma omp parallel for simd schedule(static) if (n > 32768)
    for (int64_t i = 0; i < n; ++i) p[i] = mean + sigma * p[i];
    return {y};
}

std::vector<Tensor> bernoulli(Context& ctx, const std::vector<Tensor>& in, const Attrs&) {
    const Tensor& prob = in[0];
    expect_dtype("bernoulli", "p", prob, DType::f32);
    const float* pp = prob.data<float>();
    const int64_t n = prob.numel();
    for (int64_t i = 0; i < n; ++i)
        if (!(pp[i] >= 0.0f && pp[i] <= 1.0f)) {
            std::ostringstream s;
            s << "bernoulli: p must lie in [0, 1], got " << pp[i] << " at element " << i << " of "
              << describe(prob);
            throw ShapeError(s.str());
        }
    Tensor y = ctx.empty(DType::f32, prob.shape());
    float* p = y.data<float>();
    philox_uniform(ctx.device().next_random_stream(), p, n, ctx.device().random_offset(y.shape()));
    // With u' = 1 - u uniform on [0, 1): P(u' < p) = p, so p = 0 never fires and p = 1 always.
#pragma omp parallel for simd schedule(static) if (n > 32768)
    for (int64_t i = 0; i < n; ++i) p[i] = 1.0f - p[i] < pp[i] ? 1.0f : 0.0f;
    return {y};
}

}  // namespace

void register_random(OpRegistry& r) {
    r.add({"random_uniform", "random_uniform() -> y f32[dims...] uniform on [lo, hi)", 0, 0, 1, random_uniform});
    r.add({"random_normal", "random_normal() -> y f32[dims...] normal (mean, std)", 0, 0, 1, random_normal});
    r.add({"bernoulli", "bernoulli(p f32[...]) -> y, 1 with probability p else 0, same shape", 1, 1, 1, bernoulli});
}

}  // namespace chimera
