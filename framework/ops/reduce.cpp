// sum and mean of a float32 tensor over axes:  x[...] -> y, attributes (keepdim, axis...).
// No axes reduces everything to a scalar (shape [] unless keepdim). Backward repeats the
// gradient over the reduced axes (divided by their element count for mean).
#include "autograd/graph.hpp"
#include "ops/reduction.hpp"

#include <algorithm>

namespace chimera {

Reduction plan_reduction(const std::string& op, const Tensor& x, const Attrs& given) {
    const Attrs attrs = given.empty() ? Attrs{0} : given;
    bool keepdim = int_attr(op, attrs, 0, "keepdim", 0, 1) == 1;
    std::vector<bool> reduce(x.rank(), attrs.size() == 1);
    for (std::size_t i = 1; i < attrs.size(); ++i)
        reduce[normalise_axis(op, int_attr(op, attrs, i, "axis", -64, 64), x.rank())] = true;
    Reduction r{x.shape(), {}, 1};
    for (int d = 0; d < x.rank(); ++d) {
        if (reduce[d]) {
            r.count *= x.dim(d);
            r.kept[d] = 1;
            if (keepdim) r.result.push_back(1);
        } else {
            r.result.push_back(x.dim(d));
        }
    }
    return r;
}

namespace {

template <bool Mean>
std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const char* name = Mean ? "mean" : "sum";
    const Tensor& x = in[0];
    expect_dtype(name, "input", x, DType::f32);
    Reduction r = plan_reduction(name, x, attrs);
    Tensor kept = sum_to_shape(ctx, x, r.kept);
    if (kept.same(x)) {  // nothing reduced: still return a fresh tensor
        kept = ctx.empty(DType::f32, x.shape());
        std::copy(x.data<float>(), x.data<float>() + x.numel(), kept.data<float>());
    }
    if (Mean) {
        float* p = kept.data<float>();
        float scale = 1.0f / static_cast<float>(std::max<int64_t>(r.count, 1));
        for (int64_t i = 0, n = kept.numel(); i < n; ++i) p[i] *= scale;
    }
    Tensor y = kept.reshaped(r.result);
    if (needs_grad(ctx, {x})) {
        Shape x_shape = x.shape();
        record_op(ctx, name, {x}, {y}, [x_shape, r](Context& c, const std::vector<Tensor>& g) {
            Tensor dx = expand_to(c, g[0].reshaped(r.kept), x_shape);
            if (Mean) {
                Tensor scaled = c.empty(DType::f32, x_shape);
                float s = 1.0f / static_cast<float>(std::max<int64_t>(r.count, 1));
                const float* src = dx.data<float>();
                float* dst = scaled.data<float>();
                for (int64_t i = 0, n = scaled.numel(); i < n; ++i) dst[i] = src[i] * s;
                dx = scaled;
            }
            return std::vector<Tensor>{dx};
        });
    }
    return {y};
}

}  // namespace

void register_reduce(OpRegistry& r) {
    r.add({"sum", "sum(x) -> y, over the given axes (all when none)", 1, 1, 1, forward<false>});
    r.add({"mean", "mean(x) -> y, over the given axes (all when none)", 1, 1, 1, forward<true>});
}

}  // namespace chimera
