// max_pool2d(x[N,C,H,W]) -> y[N,C,OH,OW], PyTorch's max_pool2d (no dilation, no ceil mode):
//   y[n,c,i,j] = max over p < kh, q < kw of x[n, c, i*sh - ph + p, j*sw - pw + q], padding never
//   chosen; OH = (H + 2 ph - kh) / sh + 1 rounded down. dx routes each dy to the element its
//   window chose (the first maximum on ties). Saves oneDNN's workspace, which records the choices.
#include "autograd/tape.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"
#include "ops/pool2d_shape.hpp"

namespace chimera {

namespace {

const char* const name = "max_pool2d";

struct MaxPool2dPrimitives {
    dnnl::pooling_forward::primitive_desc fwd_pd;
    dnnl::pooling_forward fwd;
    dnnl::pooling_backward bwd;
};

// Checks are pool2d_shape's (attributes, rank, window against the padded input).
MaxPool2dPrimitives& primitives(Context& ctx, const Pool2dShape& s) {
    return ctx.primitives().get<MaxPool2dPrimitives>(cache_key(name, {s.x}, s.attrs()), [&] {
        using namespace dnnl;
        auto x_md = plain_desc(s.x), y_md = plain_desc(s.y);
        const auto alg = algorithm::pooling_max;
        pooling_forward::primitive_desc fwd_pd({prop_kind::forward_training, alg, x_md, y_md,
                                                s.strides(), s.kernel(), s.padding(), s.padding()},
                                               ctx.engine());
        pooling_backward::primitive_desc bwd_pd(
            {alg, x_md, y_md, s.strides(), s.kernel(), s.padding(), s.padding()}, ctx.engine(),
            fwd_pd);
        return MaxPool2dPrimitives{fwd_pd, pooling_forward(fwd_pd), pooling_backward(bwd_pd)};
    });
}

std::vector<Tensor> backward(Context& ctx, const Pool2dShape& s, const Tensor& workspace,
                             const Tensor& dy);

std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = in[0];
    Pool2dShape s = pool2d_shape(name, x, attrs);
    MaxPool2dPrimitives& p = primitives(ctx, s);
    Tensor y = ctx.empty(DType::f32, s.y);
    const dnnl::memory::desc ws_md = p.fwd_pd.workspace_desc();
    Tensor workspace = scratch_tensor(ctx, ws_md.get_size());
    p.fwd.execute(ctx.stream(), {{DNNL_ARG_SRC, plain_memory(ctx, x)},
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
    MaxPool2dPrimitives& p = primitives(ctx, s);
    Tensor dx = ctx.empty(DType::f32, s.x);
    p.bwd.execute(ctx.stream(),
                  {{DNNL_ARG_DIFF_DST, plain_memory(ctx, dy)},
                   {DNNL_ARG_WORKSPACE, plain_memory(ctx, workspace, p.fwd_pd.workspace_desc())},
                   {DNNL_ARG_DIFF_SRC, plain_memory(ctx, dx)}});
    return {dx};
}

}  // namespace

void register_max_pool2d(OpRegistry& r) {
    r.add({name, "max_pool2d(x[N,C,H,W]) -> y[N,C,OH,OW]",
           "kernel_h, kernel_w, stride_h, stride_w (default the kernel), pad_h, pad_w (default 0)",
           1, 1, 2, 6, 1, forward});
}

}  // namespace chimera
