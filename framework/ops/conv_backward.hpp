// The backward shared by conv2d and conv_transpose2d: dx from the backward-data primitive, dw and
// db from the backward-weights primitive, each only when asked for, with inputs reordered to the
// layouts the primitives chose and results reordered back. Not their forwards or shapes.
#pragma once

#include "ops/op_support.hpp"

namespace chimera {

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
        p.bwd_data.execute(ctx.stream(), {{DNNL_ARG_DIFF_DST, diff_dst},
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
        p.bwd_weights.execute(ctx.stream(), {{DNNL_ARG_SRC, src},
                                             {DNNL_ARG_DIFF_DST, diff_dst},
                                             {DNNL_ARG_DIFF_WEIGHTS, diff_weights},
                                             {DNNL_ARG_DIFF_BIAS, plain_memory(ctx, db)}});
        finish_out(ctx, diff_weights, dw_user);
    }
    return {dx, w.requires_grad() ? dw : Tensor(), bias_grad ? db : Tensor()};
}

}  // namespace chimera
