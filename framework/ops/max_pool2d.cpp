// max_pool2d(x[N,C,H,W]) -> y[N,C,OH,OW], PyTorch's max_pool2d (no dilation, no ceil mode):
//   y[n,c,i,j] = max over p < kh, q < kw of x[n, c, i*sh - ph + p, j*sw - pw + q], padding never
//   chosen; OH = (H + 2 ph - kh) / sh + 1 rounded down. dx routes each dy to the element its
//   window chose (the first maximum on ties). Saves oneDNN's workspace, which records the choices.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"
#include "ops/pool2d.hpp"

namespace chimera {

namespace {

const char* const name = "max_pool2d";

// Checks are pool2d_shape's (attributes, rank, window against the padded input).
std::vector<Tensor> backward(Context& ctx, const Pool2dShape& s, const Tensor& workspace,
                             const Tensor& dy);

std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = in[0];
    Pool2dShape s = pool2d_shape(name, x, attrs);
    Pool2dPrimitives& p = pool2d_primitives(ctx, name, s, dnnl::algorithm::pooling_max);
    Tensor y = ctx.empty(DType::f32, s.y);
    const dnnl::memory::desc ws_md = p.fwd_pd.workspace_desc();
    Tensor workspace = scratch_tensor(ctx, ws_md.get_size());
    p.fwd.execute(ctx.device().stream(), {{DNNL_ARG_SRC, plain_memory(ctx, x)},
                                 {DNNL_ARG_DST, plain_memory(ctx, y)},
                                 {DNNL_ARG_WORKSPACE, plain_memory(ctx, workspace, ws_md)}});
    if (needs_grad(ctx, {x})) {
        // Saved: the workspace (where each maximum came from), not x.
        record_op(ctx, name, {x}, {y}, [s, workspace](Context& c, const std::vector<Tensor>& g) {
            return backward(c, s, workspace, g[0]);
        });
    }
    return {y};
}

std::vector<Tensor> backward(Context& ctx, const Pool2dShape& s, const Tensor& workspace,
                             const Tensor& dy) {
    Pool2dPrimitives& p = pool2d_primitives(ctx, name, s, dnnl::algorithm::pooling_max);
    Tensor dx = ctx.empty(DType::f32, s.x);
    p.bwd.execute(ctx.device().stream(),
                  {{DNNL_ARG_DIFF_DST, plain_memory(ctx, dy)},
                   {DNNL_ARG_WORKSPACE, plain_memory(ctx, workspace, p.fwd_pd.workspace_desc())},
                   {DNNL_ARG_DIFF_SRC, plain_memory(ctx, dx)}});
    return {dx};
}

}  // namespace

void register_max_pool2d(OpRegistry& r) {
    r.add({name, "max_pool2d(x[N,C,H,W]) -> y[N,C,OH,OW]", 1, 1, 1, forward});
}

}  // namespace chimera
