// What conv2d and conv_transpose2d share once their primitives are built: the forward (inputs
// reordered to the layouts the primitive chose, the bias zero when absent, the result reordered
// back) and the backward (dx from the backward-data primitive, dw and db from the
// backward-weights primitive, each only when asked for). Not their shapes nor their primitives.
#pragma once

#include "ops/op_support.hpp"

namespace chimera {

// A descriptor of `shape` whose layout the primitive chooses.
inline dnnl::memory::desc any_desc(const Shape& shape) {
    return {dnnl::memory::dims(shape.begin(), shape.end()), dnnl::memory::data_type::f32, dnnl::memory::format_tag::any};
}

// y [y_shape] from x, w (its own memory described by `plain_weights`) and b (or zeros for
// `bias_size` output channels when undefined) through `p`'s fwd_pd and fwd.
template <class Primitives>
Tensor conv_like_forward(Context& ctx, Primitives& p, const Tensor& x, const Tensor& w, const Tensor& b, const Shape& y_shape,
                         const dnnl::memory::desc& plain_weights, int64_t bias_size) {
    using dnnl::memory;
    Tensor bias = b.defined() ? b : ctx.zeros(DType::f32, {bias_size});
    Tensor y = ctx.empty(DType::f32, y_shape);
    std::vector<Tensor> scratch;  // reordered copies, alive until the primitive has run
    memory src = in_layout(ctx, plain_memory(ctx, x), p.fwd_pd.src_desc(), scratch);
    memory weights = in_layout(ctx, plain_memory(ctx, w, plain_weights), p.fwd_pd.weights_desc(), scratch);
    memory y_user = plain_memory(ctx, y);
    memory dst = out_layout(ctx, y_user, p.fwd_pd.dst_desc(), scratch);
    p.fwd.execute(ctx.device().stream(),
                  {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_BIAS, plain_memory(ctx, bias)}, {DNNL_ARG_DST, dst}});
    finish_out(ctx, dst, y_user);
    return y;
}

// `p` holds bwd_data_pd, bwd_data, bwd_weights_pd and bwd_weights; `plain_weights` describes w's
// own memory (grouped or not); `bias_size` is the number of output channels.
template <class Primitives>
std::vector<Tensor> conv_like_backward(Context& ctx, Primitives& p, const Tensor& x, const Tensor& w,
                                       bool bias_grad, const Tensor& dy,
                                       const dnnl::memory::desc& plain_weights, int64_t bias_size) {
    using dnnl::memory;
    std::vector<Tensor> scratch;
    memory diff_dst = plain_memory(ctx, dy);  // reordered once, reused if both primitives agree
    Tensor dx, dw, db;
    if (x.requires_grad()) {
        dx = ctx.empty(DType::f32, x.shape());
        diff_dst = in_layout(ctx, diff_dst, p.bwd_data_pd.diff_dst_desc(), scratch);
        memory weights = in_layout(ctx, plain_memory(ctx, w, plain_weights), p.bwd_data_pd.weights_desc(), scratch);
        memory dx_user = plain_memory(ctx, dx);
        memory diff_src = out_layout(ctx, dx_user, p.bwd_data_pd.diff_src_desc(), scratch);
        p.bwd_data.execute(ctx.device().stream(), {{DNNL_ARG_DIFF_DST, diff_dst},
                                          {DNNL_ARG_WEIGHTS, weights},
                                          {DNNL_ARG_DIFF_SRC, diff_src}});
        finish_out(ctx, diff_src, dx_user);
    }
    if (w.requires_grad() || bias_grad) {
        dw = ctx.empty(DType::f32, w.shape());
        db = ctx.empty(DType::f32, {bias_size});
        memory src = in_layout(ctx, plain_memory(ctx, x), p.bwd_weights_pd.src_desc(), scratch);
        diff_dst = in_layout(ctx, diff_dst, p.bwd_weights_pd.diff_dst_desc(), scratch);
        memory dw_user = plain_memory(ctx, dw, plain_weights);
        memory diff_weights = out_layout(ctx, dw_user, p.bwd_weights_pd.diff_weights_desc(), scratch);
        p.bwd_weights.execute(ctx.device().stream(), {{DNNL_ARG_SRC, src},
                                             {DNNL_ARG_DIFF_DST, diff_dst},
                                             {DNNL_ARG_DIFF_WEIGHTS, diff_weights},
                                             {DNNL_ARG_DIFF_BIAS, plain_memory(ctx, db)}});
        finish_out(ctx, diff_weights, dw_user);
    }
    return {dx, w.requires_grad() ? dw : Tensor(), bias_grad ? db : Tensor()};
}

}  // namespace chimera
