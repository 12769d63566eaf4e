// avg_pool2d(x[N,C,H,W]) -> y[N,C,OH,OW], PyTorch's avg_pool2d (no ceil mode, no divisor override):
//   y[n,c,i,j] = sum over the window at (i*sh - ph, j*sw - pw) of x, divided by kh*kw when
//   count_include_pad (the default) else by the number of real (unpadded) elements in it;
//   OH = (H + 2 ph - kh) / sh + 1 rounded down. dx spreads each dy over its window with the same
//   divisor. Saves nothing: the backward needs only the shapes.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"
#include "ops/pool2d.hpp"

namespace chimera {

namespace {

const char* const name = "avg_pool2d";

// Checks are pool2d_shape's (attributes 0-5, rank, window against the padded input) and
// count_include_pad's range.
dnnl::algorithm algorithm_of(const Attrs& attrs) {
    bool include_pad =
        attrs.size() > 6 ? int_attr(name, attrs, 6, "count_include_pad", 0, 1) == 1 : true;
    return include_pad ? dnnl::algorithm::pooling_avg_include_padding
                       : dnnl::algorithm::pooling_avg_exclude_padding;
}

std::vector<Tensor> backward(Context& ctx, const Pool2dShape& s, dnnl::algorithm alg,
                             const Tensor& dy);

std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = in[0];
    Pool2dShape s = pool2d_shape(name, x, attrs);
    const dnnl::algorithm alg = algorithm_of(attrs);
    Pool2dPrimitives& p = pool2d_primitives(ctx, name, s, alg);
    Tensor y = ctx.empty(DType::f32, s.y);
    p.fwd.execute(ctx.device().stream(),
                  {{DNNL_ARG_SRC, plain_memory(ctx, x)}, {DNNL_ARG_DST, plain_memory(ctx, y)}});
    if (needs_grad(ctx, {x})) {
        // Saved: only the geometry and the algorithm.
        record_op(ctx, name, {x}, {y}, [s, alg](Context& c, const std::vector<Tensor>& g) {
            return backward(c, s, alg, g[0]);
        });
    }
    return {y};
}

std::vector<Tensor> backward(Context& ctx, const Pool2dShape& s, dnnl::algorithm alg,
                             const Tensor& dy) {
    Pool2dPrimitives& p = pool2d_primitives(ctx, name, s, alg);
    Tensor dx = ctx.empty(DType::f32, s.x);
    p.bwd.execute(ctx.device().stream(), {{DNNL_ARG_DIFF_DST, plain_memory(ctx, dy)},
                                 {DNNL_ARG_DIFF_SRC, plain_memory(ctx, dx)}});
    return {dx};
}

}  // namespace

void register_avg_pool2d(OpRegistry& r) {
    r.add({name, "avg_pool2d(x[N,C,H,W]) -> y[N,C,OH,OW]", 1, 1, 1, forward});
}

}  // namespace chimera
