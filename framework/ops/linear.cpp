// linear(x[N,I], w[O,I], b[O]?) -> y[N,O]:  y = act(x w^T + b), on oneDNN's inner product, with
// the bias and an optional activation (attribute 0, CHM_ACTIVATIONS: 0 none, 1 relu,
// 2 leaky_relu, 3 tanh, 4 sigmoid, 5 elu, 6 gelu (erf form), 7 silu; attribute 1: the alpha of
// relu/leaky_relu/elu, which gelu and silu do not take).
//   g = dy * act'(.),  dx = g w,  dw = g^T x,  db = sum over N of g, each only when its input
//   requires gradients (a frozen weight builds and runs no backward-weights primitive).
// relu..elu have derivatives computable from y: they are fused as a post-op and y is saved.
// gelu and silu need the pre-activation: with gradients recorded the inner product runs without
// the post-op, the activation after it, and the pre-activation is saved; without, fused.
// Also saved: x when dw is wanted, w when dx is. Primitives are built once per shape and
// activation (the backward ones on first use, hinted by the forward descriptor) and reused.
// On exactly two threads dx and dw, independent products of equal size, run side by side, each
// on one thread by primitives built for one thread (see backward_pair).
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

#include <chimera/opset.h>

#include <omp.h>

#include <exception>

namespace chimera {

namespace {

const char* const name = "linear";

// The activations of CHM_ACTIVATIONS, in its order: the oneDNN algorithm (for the post-op, the
// separate forward and the backward), whether its backward works from the output, its alpha.
struct Activation {
    const char* name;
    dnnl::algorithm alg;
    bool from_dst;
    double default_alpha;
    bool takes_alpha;
};
const Activation activations[] = {
    {"none", dnnl::algorithm::undef, true, 0.0, true},
    {"relu", dnnl::algorithm::eltwise_relu_use_dst_for_bwd, true, 0.0, true},
    {"leaky_relu", dnnl::algorithm::eltwise_relu_use_dst_for_bwd, true, 0.01, true},
    {"tanh", dnnl::algorithm::eltwise_tanh_use_dst_for_bwd, true, 0.0, true},
    {"sigmoid", dnnl::algorithm::eltwise_logistic_use_dst_for_bwd, true, 0.0, true},
    {"elu", dnnl::algorithm::eltwise_elu_use_dst_for_bwd, true, 1.0, true},
    {"gelu", dnnl::algorithm::eltwise_gelu_erf, false, 0.0, false},
    {"silu", dnnl::algorithm::eltwise_swish, false, 1.0, false},  // x sigmoid(alpha x), alpha 1
};
constexpr int64_t activation_count = sizeof(activations) / sizeof(activations[0]);
static_assert(sizeof(CHM_ACTIVATIONS) == sizeof("none|relu|leaky_relu|tanh|sigmoid|elu|gelu|silu"),
              "linear's activation table follows CHM_ACTIVATIONS in <chimera/opset.h>");

struct Fused {
    int64_t activation = 0;  // index into activations
    float alpha = 0;
    std::vector<double> key() const { return {double(activation), alpha}; }
};

void check(const Tensor& x, const Tensor& w, const Tensor& b) {
    expect_rank(name, "input x", x, 2);
    expect_rank(name, "weight w", w, 2);
    expect_dtype(name, "input x", x, DType::f32);
    expect_dtype(name, "weight w", w, DType::f32);
    if (x.dim(1) != w.dim(1))
        throw ShapeError(std::string(name) + ": x " + describe(x) + " has " + std::to_string(x.dim(1)) +
                         " features but w " + describe(w) + " expects " + std::to_string(w.dim(1)));
    if (b.defined() && (b.rank() != 1 || b.dim(0) != w.dim(0)))
        throw ShapeError(std::string(name) + ": bias " + describe(b) + " must be [" +
                         std::to_string(w.dim(0)) + "] for w " + describe(w));
}

Fused fused(const Attrs& attrs) {
    Fused f;
    if (!attrs.empty()) f.activation = int_attr(name, attrs, 0, "activation", 0, activation_count - 1);
    const Activation& a = activations[f.activation];
    if (attrs.size() > 1 && !a.takes_alpha)
        throw ShapeError(std::string(name) + ": activation " + a.name + " takes no alpha; leave it out");
    f.alpha = static_cast<float>(attrs.size() > 1 && a.takes_alpha ? attrs[1] : a.default_alpha);
    return f;
}

struct Forward {
    dnnl::inner_product_forward::primitive_desc pd;
    dnnl::inner_product_forward prim;
};
struct BackwardData {
    dnnl::inner_product_backward_data prim;
};
struct BackwardWeights {
    dnnl::inner_product_backward_weights prim;
};
struct ActivationPrimitives {
    dnnl::eltwise_forward fwd;
    dnnl::eltwise_backward bwd;
};

// The inner product with `post` fused as a post-op (none: the plain x w^T + b).
Forward& forward_primitive(Context& ctx, const Shape& x, const Shape& w, const Fused& post) {
    return ctx.device().primitives().get<Forward>(cache_key(name, {x, w}, post.key()), [&] {
        using namespace dnnl;
        primitive_attr attr;
        if (post.activation != 0) {
            post_ops ops;
            ops.append_eltwise(1.0f, activations[post.activation].alg, post.alpha, 0.0f);
            attr.set_post_ops(ops);
        }
        inner_product_forward::primitive_desc pd(
            {prop_kind::forward_training, plain_desc(x), plain_desc(w), plain_desc({w[0]}), plain_desc({x[0], w[0]})}, attr,
            ctx.device().engine());
        return Forward{pd, inner_product_forward(pd)};
    });
}

BackwardData& data_backward(Context& ctx, const Shape& x, const Shape& w, const Fused& post) {
    return ctx.device().primitives().get<BackwardData>(cache_key("linear_backward_data", {x, w}, post.key()), [&] {
        using namespace dnnl;
        inner_product_backward_data::primitive_desc pd({plain_desc(x), plain_desc(w), plain_desc({x[0], w[0]})},
                                                       ctx.device().engine(), forward_primitive(ctx, x, w, post).pd);
        return BackwardData{inner_product_backward_data(pd)};
    });
}

BackwardWeights& weights_backward(Context& ctx, const Shape& x, const Shape& w, const Fused& post) {
    return ctx.device().primitives().get<BackwardWeights>(cache_key("linear_backward_weights", {x, w}, post.key()), [&] {
        using namespace dnnl;
        inner_product_backward_weights::primitive_desc pd(
            {plain_desc(x), plain_desc(w), plain_desc({w[0]}), plain_desc({x[0], w[0]})}, ctx.device().engine(),
            forward_primitive(ctx, x, w, post).pd);
        return BackwardWeights{inner_product_backward_weights(pd)};
    });
}

// dx and dw side by side, one thread each. At batch 64 a dense layer's products are too small to
// split well over two threads (oneDNN reaches 65-80% of twice its one-thread speed there, and
// every split pays a fork and a join); two whole products on one thread each lose nothing. The
// primitives are built while OpenMP offers one thread, so what oneDNN planned is what runs on
// the one thread it gets inside the parallel region: oneDNN 2.6 happened to give the same bits
// for plans made for two threads at the MLP's shapes, but it does not promise that nesting.
// The results are bit-identical to one-thread runs'.
struct BackwardPair {
    dnnl::inner_product_backward_data data;
    dnnl::inner_product_backward_weights weights;
};

BackwardPair& backward_pair(Context& ctx, const Shape& x, const Shape& w, const Fused& post) {
    return ctx.device().primitives().get<BackwardPair>(cache_key("linear_backward_pair", {x, w}, post.key()), [&] {
        using namespace dnnl;
        const auto& hint = forward_primitive(ctx, x, w, post).pd;
        struct OneThread {  // puts the thread count back even when building throws
            int before = omp_get_max_threads();
            OneThread() { omp_set_num_threads(1); }
            ~OneThread() { omp_set_num_threads(before); }
        } one_thread;
        inner_product_backward_data::primitive_desc data_pd({plain_desc(x), plain_desc(w), plain_desc({x[0], w[0]})},
                                                            ctx.device().engine(), hint);
        inner_product_backward_weights::primitive_desc weights_pd(
            {plain_desc(x), plain_desc(w), plain_desc({w[0]}), plain_desc({x[0], w[0]})}, ctx.device().engine(), hint);
        return BackwardPair{inner_product_backward_data(data_pd), inner_product_backward_weights(weights_pd)};
    });
}

// The activation alone over y's shape: the forward (for gelu and silu when not fused) and the
// backward, from y or from the pre-activation as the activation's table entry says.
ActivationPrimitives& activation_primitives(Context& ctx, const Fused& f, const Shape& y) {
    return ctx.device().primitives().get<ActivationPrimitives>(cache_key("linear_activation", {y}, f.key()), [&] {
        using namespace dnnl;
        const algorithm alg = activations[f.activation].alg;
        auto md = plain_desc(y);
        eltwise_forward::primitive_desc fwd_pd({prop_kind::forward_training, alg, md, f.alpha, 0.0f}, ctx.device().engine());
        eltwise_backward::primitive_desc bwd_pd({alg, md, md, f.alpha, 0.0f}, ctx.device().engine(), fwd_pd);
        return ActivationPrimitives{eltwise_forward(fwd_pd), eltwise_backward(bwd_pd)};
    });
}

// What backward keeps. `post` is what the forward inner product fused (its backward primitives
// are hinted by that forward); `act_input` is y or the pre-activation, for the activation's
// backward. x and w are kept only when the other's gradient is wanted.
struct Saved {
    Tensor x, w, act_input;
    Shape x_shape, w_shape;
    Fused f, post;
    bool want_x, want_w, want_b;
};

// The bias gradient without the weights primitive: column sums of g [N, O].
Tensor column_sums(Context& ctx, const Tensor& g) {
    Tensor db = ctx.zeros(DType::f32, {g.dim(1)});
    const float* pg = g.data<float>();
    float* out = db.data<float>();
    for (int64_t n = 0; n < g.dim(0); ++n)
        for (int64_t o = 0; o < g.dim(1); ++o) out[o] += pg[n * g.dim(1) + o];
    return db;
}

std::vector<Tensor> backward(Context& ctx, const Saved& s, Tensor dy) {
    auto& stream = ctx.device().stream();
    if (s.f.activation != 0) {  // through the activation first: dy becomes the pre-activation grad
        Tensor pre = ctx.empty(DType::f32, dy.shape());
        activation_primitives(ctx, s.f, dy.shape())
            .bwd.execute(stream, {{activations[s.f.activation].from_dst ? DNNL_ARG_DST : DNNL_ARG_SRC,
                                   plain_memory(ctx, s.act_input)},
                                  {DNNL_ARG_DIFF_DST, plain_memory(ctx, dy)},
                                  {DNNL_ARG_DIFF_SRC, plain_memory(ctx, pre)}});
        dy = pre;
    }
    Tensor dx, dw, db;
    if (s.want_x && s.want_w && ctx.device().threads() == 2) {
        dx = ctx.empty(DType::f32, s.x_shape);
        dw = ctx.empty(DType::f32, s.w_shape);
        db = ctx.empty(DType::f32, {s.w_shape[0]});
        BackwardPair& pair = backward_pair(ctx, s.x_shape, s.w_shape, s.post);
        const std::unordered_map<int, dnnl::memory> data_args{{DNNL_ARG_DIFF_DST, plain_memory(ctx, dy)},
                                                              {DNNL_ARG_WEIGHTS, plain_memory(ctx, s.w)},
                                                              {DNNL_ARG_DIFF_SRC, plain_memory(ctx, dx)}};
        const std::unordered_map<int, dnnl::memory> weights_args{{DNNL_ARG_SRC, plain_memory(ctx, s.x)},
                                                                 {DNNL_ARG_DIFF_DST, plain_memory(ctx, dy)},
                                                                 {DNNL_ARG_DIFF_WEIGHTS, plain_memory(ctx, dw)},
                                                                 {DNNL_ARG_DIFF_BIAS, plain_memory(ctx, db)}};
        // A CPU stream runs a primitive in the calling thread; each section has its own. An
        // exception must not leave a parallel region: the first is kept and thrown after it.
        dnnl::stream& side = ctx.device().side_stream();
        std::exception_ptr failed[2];
#pragma omp parallel sections num_threads(2)
        {
#pragma omp section
            try {
                pair.data.execute(stream, data_args);
            } catch (...) {
                failed[0] = std::current_exception();
            }
#pragma omp section
            try {
                pair.weights.execute(side, weights_args);
            } catch (...) {
                failed[1] = std::current_exception();
            }
        }
        for (const auto& e : failed)
            if (e) std::rethrow_exception(e);
        return {dx, dw, s.want_b ? db : Tensor()};
    }
    if (s.want_x) {
        dx = ctx.empty(DType::f32, s.x_shape);
        data_backward(ctx, s.x_shape, s.w_shape, s.post)
            .prim.execute(stream, {{DNNL_ARG_DIFF_DST, plain_memory(ctx, dy)},
                                   {DNNL_ARG_WEIGHTS, plain_memory(ctx, s.w)},
                                   {DNNL_ARG_DIFF_SRC, plain_memory(ctx, dx)}});
    }
    if (s.want_w) {
        dw = ctx.empty(DType::f32, s.w_shape);
        db = ctx.empty(DType::f32, {s.w_shape[0]});
        weights_backward(ctx, s.x_shape, s.w_shape, s.post)
            .prim.execute(stream, {{DNNL_ARG_SRC, plain_memory(ctx, s.x)},
                                   {DNNL_ARG_DIFF_DST, plain_memory(ctx, dy)},
                                   {DNNL_ARG_DIFF_WEIGHTS, plain_memory(ctx, dw)},
                                   {DNNL_ARG_DIFF_BIAS, plain_memory(ctx, db)}});
    } else if (s.want_b) {
        db = column_sums(ctx, dy);
    }
    return {dx, dw, s.want_b ? db : Tensor()};
}

std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = in[0];
    const Tensor& w = in[1];
    Tensor b = in.size() > 2 ? in[2] : Tensor();
    check(x, w, b);
    const Fused f = fused(attrs);
    const bool record = needs_grad(ctx, {x, w, b});
    // gelu and silu cannot be fused when their backward needs the pre-activation.
    const bool separate = record && !activations[f.activation].from_dst;
    const Fused post = separate ? Fused{} : f;
    Tensor bias = b.defined() ? b : ctx.zeros(DType::f32, {w.dim(0)});
    Tensor y = ctx.empty(DType::f32, {x.dim(0), w.dim(0)});
    forward_primitive(ctx, x.shape(), w.shape(), post)
        .prim.execute(ctx.device().stream(), {{DNNL_ARG_SRC, plain_memory(ctx, x)},
                                              {DNNL_ARG_WEIGHTS, plain_memory(ctx, w)},
                                              {DNNL_ARG_BIAS, plain_memory(ctx, bias)},
                                              {DNNL_ARG_DST, plain_memory(ctx, y)}});
    Tensor act_input = f.activation ? y : Tensor();
    if (separate) {
        act_input = y;
        y = ctx.empty(DType::f32, act_input.shape());
        activation_primitives(ctx, f, y.shape())
            .fwd.execute(ctx.device().stream(), {{DNNL_ARG_SRC, plain_memory(ctx, act_input)}, {DNNL_ARG_DST, plain_memory(ctx, y)}});
    }
    if (record) {
        const bool want_x = x.requires_grad(), want_w = w.requires_grad(), want_b = b.defined() && b.requires_grad();
        Saved s{want_w ? x : Tensor(), want_x ? w : Tensor(), act_input, x.shape(), w.shape(), f, post,
                want_x, want_w, want_b};
        record_op(ctx, name, {x, w, b}, {y}, [s](Context& c, const std::vector<Tensor>& g) { return backward(c, s, g[0]); });
    }
    return {y};
}

}  // namespace

void register_linear(OpRegistry& r) {
    r.add({name, "linear(x[N,I], w[O,I], b[O]?) -> y[N,O]", 2, 3, 1, forward, 0, {}});
}

}  // namespace chimera
