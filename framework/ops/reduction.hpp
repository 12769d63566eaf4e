// What the reductions over axes share (sum, mean, max, logsumexp, var): reading the attributes
// (keepdim, axis...) into the shapes involved, and folding x into its kept shape with a binary
// function. Broadcasting back and summing are broadcast.hpp's. Not any reduction's maths.
#pragma once

#include "ops/broadcast.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

#include <string>

namespace chimera {

struct Reduction {
    Shape kept;     // the shape with reduced axes as 1 (same rank as x)
    Shape result;   // what the op returns (kept, or kept without the reduced axes)
    int64_t count;  // elements reduced into each output
};

// attrs: keepdim, then the axes (negative from the end; none: every axis). Empty attrs: keepdim 0.
Reduction plan_reduction(const std::string& op, const Tensor& x, const Attrs& attrs);

// out[kept] = f(...f(f(init, x0), x1)...) over the elements of float32 x that reduce into each
// output, in index order (the result does not depend on threads).
template <class F>
Tensor fold_to(Context& ctx, const Tensor& x, const Shape& kept, float init, F f) {
    Tensor out = ctx.empty(DType::f32, kept);
    float* dst = out.data<float>();
    for (int64_t i = 0, n = out.numel(); i < n; ++i) dst[i] = init;
    BroadcastRows rows(x.shape(), {kept});
    const float* src = x.data<float>();
    const int64_t length = rows.length();
    for (int64_t r = 0; r < rows.rows(); ++r) {
        const float* in = src + r * length;
        float* to = dst + rows.offset(0, r);
        if (rows.step(0) == 1) {
            for (int64_t j = 0; j < length; ++j) to[j] = f(to[j], in[j]);
        } else {
            float acc = to[0];
            for (int64_t j = 0; j < length; ++j) acc = f(acc, in[j]);
            to[0] = acc;
        }
    }
    return out;
}

}  // namespace chimera
