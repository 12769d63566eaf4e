// What conv2d and conv_transpose2d share once their primitives are built: the forward (inputs
// reordered to the layouts the primitive chose, the bias zero when absent, the result reordered
// back) and the backward (dx from the backward-data primitive, dw and db from the
// backward-weights primitive, each only when its input requires gradients; the backward
// primitives are asked for, so built, only then; db alone is a plain sum). Not their shapes nor
// their primitives.
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

// A backward primitive and its descriptor (for the layouts it chose).
template <class Pd, class Prim>
struct BackwardPrimitive {
    Pd pd;
    Prim prim;
};

// What a convolution's backward keeps: x when dw is wanted, w when dx is, and which are wanted.
struct ConvLikeSaved {
    Tensor x, w;
    Shape x_shape, w_shape;
    bool want_x = false, want_w = false, want_b = false;
};

inline ConvLikeSaved conv_like_saved(const Tensor& x, const Tensor& w, const Tensor& b) {
    const bool want_x = x.requires_grad(), want_w = w.requires_grad();
    return {want_w ? x : Tensor(), want_x ? w : Tensor(), x.shape(), w.shape(), want_x, want_w,
            b.defined() && b.requires_grad()};
}

// The sum of dy [N, C, ...] over everything but C: the bias gradient.
inline Tensor channel_sums(Context& ctx, const Tensor& dy) {
    Tensor db = ctx.zeros(DType::f32, {dy.dim(1)});
    const int64_t n = dy.dim(0), c = dy.dim(1), inner = n * c == 0 ? 0 : dy.numel() / (n * c);
    const float* g = dy.data<float>();
    float* out = db.data<float>();
    for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < c; ++k) {
            const float* row = g + (i * c + k) * inner;
            float sum = 0;
            for (int64_t j = 0; j < inner; ++j) sum += row[j];
            out[k] += sum;
        }
    return db;
}

// `data()` and `weights()` return the backward-data and backward-weights BackwardPrimitive
// (called, so built, only when needed); `plain_weights` describes w's own memory (grouped or
// not); `bias_size` is the number of output channels.
template <class DataFn, class WeightsFn>
std::vector<Tensor> conv_like_backward(Context& ctx, const ConvLikeSaved& s, DataFn data, WeightsFn weights,
                                       const Tensor& dy, const dnnl::memory::desc& plain_weights, int64_t bias_size) {
    using dnnl::memory;
    std::vector<Tensor> scratch;
    memory diff_dst = plain_memory(ctx, dy);  // reordered once, reused if both primitives agree
    Tensor dx, dw, db;
    if (s.want_x) {
        auto& p = data();
        dx = ctx.empty(DType::f32, s.x_shape);
        diff_dst = in_layout(ctx, diff_dst, p.pd.diff_dst_desc(), scratch);
        memory w = in_layout(ctx, plain_memory(ctx, s.w, plain_weights), p.pd.weights_desc(), scratch);
        memory dx_user = plain_memory(ctx, dx);
        memory diff_src = out_layout(ctx, dx_user, p.pd.diff_src_desc(), scratch);
        p.prim.execute(ctx.device().stream(), {{DNNL_ARG_DIFF_DST, diff_dst}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DIFF_SRC, diff_src}});
        finish_out(ctx, diff_src, dx_user);
    }
    if (s.want_w) {
        auto& p = weights();
        dw = ctx.empty(DType::f32, s.w_shape);
        db = ctx.empty(DType::f32, {bias_size});
        memory src = in_layout(ctx, plain_memory(ctx, s.x), p.pd.src_desc(), scratch);
        diff_dst = in_layout(ctx, diff_dst, p.pd.diff_dst_desc(), scratch);
        memory dw_user = plain_memory(ctx, dw, plain_weights);
        memory diff_weights = out_layout(ctx, dw_user, p.pd.diff_weights_desc(), scratch);
        p.prim.execute(ctx.device().stream(), {{DNNL_ARG_SRC, src},
                                               {DNNL_ARG_DIFF_DST, diff_dst},
                                               {DNNL_ARG_DIFF_WEIGHTS, diff_weights},
                                               {DNNL_ARG_DIFF_BIAS, plain_memory(ctx, db)}});
        finish_out(ctx, diff_weights, dw_user);
    } else if (s.want_b) {
        db = channel_sums(ctx, dy);
    }
    return {dx, dw, s.want_b ? db : Tensor()};
}

}  // namespace chimera
