// linear(x[N,I], w[O,I], b[O]?) -> y[N,O]:  y = act(x w^T + b), on oneDNN's inner product,
// with the bias and the optional activation (attribute 0: 0 none, 1 relu, 2 leaky_relu,
// 3 tanh, 4 sigmoid, 5 elu; attribute 1: its alpha) fused into the primitive as a post-op.
//   g = dy * act'(.) (computed from y),  dx = g w,  dw = g^T x,  db = sum over N of g.
// Saves x, w and, with an activation, y. Primitives are built once per shape and activation,
// the backward ones hinted by the forward descriptor, and reused.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

namespace chimera {

namespace {

const char* const name = "linear";

// Fusable activations: the forward post-op and the backward that works from the output.
struct Activation {
    const char* name;
    dnnl::algorithm backward_from_dst;
    double default_alpha;
};
const Activation activations[] = {
    {"none", dnnl::algorithm::undef, 0.0},
    {"relu", dnnl::algorithm::eltwise_relu_use_dst_for_bwd, 0.0},
    {"leaky_relu", dnnl::algorithm::eltwise_relu_use_dst_for_bwd, 0.01},
    {"tanh", dnnl::algorithm::eltwise_tanh_use_dst_for_bwd, 0.0},
    {"sigmoid", dnnl::algorithm::eltwise_logistic_use_dst_for_bwd, 0.0},
    {"elu", dnnl::algorithm::eltwise_elu_use_dst_for_bwd, 1.0},
};
constexpr int64_t activation_count = sizeof(activations) / sizeof(activations[0]);

struct Fused {
    int64_t activation = 0;  // index into activations
    float alpha = 0;
};

struct LinearPrimitives {
    dnnl::inner_product_forward::primitive_desc fwd_pd;
    dnnl::inner_product_forward fwd;
    dnnl::inner_product_backward_data::primitive_desc bwd_data_pd;
    dnnl::inner_product_backward_data bwd_data;
    dnnl::inner_product_backward_weights::primitive_desc bwd_weights_pd;
    dnnl::inner_product_backward_weights bwd_weights;
    dnnl::eltwise_backward activation_bwd;  // empty without an activation
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
    f.alpha = static_cast<float>(attrs.size() > 1 ? attrs[1] : activations[f.activation].default_alpha);
    return f;
}

// The activation's backward from the output y; the forward descriptor is only its hint.
dnnl::eltwise_backward activation_backward(Context& ctx, const Fused& f, const dnnl::memory::desc& y_md) {
    using namespace dnnl;
    algorithm alg = activations[f.activation].backward_from_dst;
    eltwise_forward::primitive_desc hint({prop_kind::forward_training, alg, y_md, f.alpha, 0.0f}, ctx.device().engine());
    return eltwise_backward(eltwise_backward::primitive_desc({alg, y_md, y_md, f.alpha, 0.0f}, ctx.device().engine(), hint));
}

LinearPrimitives& primitives(Context& ctx, const Shape& x, const Shape& w, const Fused& f) {
    return ctx.device().primitives().get<LinearPrimitives>(cache_key(name, {x, w}, {double(f.activation), f.alpha}), [&] {
        using namespace dnnl;
        auto x_md = plain_desc(x), w_md = plain_desc(w), b_md = plain_desc({w[0]});
        auto y_md = plain_desc({x[0], w[0]});
        primitive_attr attr;
        if (f.activation != 0) {
            post_ops ops;
            ops.append_eltwise(1.0f, activations[f.activation].backward_from_dst, f.alpha, 0.0f);
            attr.set_post_ops(ops);
        }
        inner_product_forward::primitive_desc fwd_pd(
            {prop_kind::forward_training, x_md, w_md, b_md, y_md}, attr, ctx.device().engine());
        inner_product_backward_data::primitive_desc bd_pd({x_md, w_md, y_md}, ctx.device().engine(), fwd_pd);
        inner_product_backward_weights::primitive_desc bw_pd({x_md, w_md, b_md, y_md}, ctx.device().engine(),
                                                              fwd_pd);
        return LinearPrimitives{fwd_pd, inner_product_forward(fwd_pd), bd_pd,
                                inner_product_backward_data(bd_pd), bw_pd,
                                inner_product_backward_weights(bw_pd),
                                f.activation ? activation_backward(ctx, f, y_md) : eltwise_backward()};
    });
}

std::vector<Tensor> backward(Context& ctx, const Tensor& x, const Tensor& w, bool has_bias,
                             const Fused& f, const Tensor& y, Tensor dy) {
    LinearPrimitives& p = primitives(ctx, x.shape(), w.shape(), f);
    if (f.activation != 0) {  // through the activation first: dy becomes the pre-activation grad
        Tensor pre = ctx.empty(DType::f32, y.shape());
        p.activation_bwd.execute(ctx.device().stream(), {{DNNL_ARG_DST, plain_memory(ctx, y)},
                                                {DNNL_ARG_DIFF_DST, plain_memory(ctx, dy)},
                                                {DNNL_ARG_DIFF_SRC, plain_memory(ctx, pre)}});
        dy = pre;
    }
    Tensor dx, dw, db;
    if (x.requires_grad()) {
        dx = ctx.empty(DType::f32, x.shape());
        p.bwd_data.execute(ctx.device().stream(), {{DNNL_ARG_DIFF_DST, plain_memory(ctx, dy)},
                                          {DNNL_ARG_WEIGHTS, plain_memory(ctx, w)},
                                          {DNNL_ARG_DIFF_SRC, plain_memory(ctx, dx)}});
    }
    dw = ctx.empty(DType::f32, w.shape());
    db = ctx.empty(DType::f32, {w.dim(0)});
    p.bwd_weights.execute(ctx.device().stream(), {{DNNL_ARG_SRC, plain_memory(ctx, x)},
                                         {DNNL_ARG_DIFF_DST, plain_memory(ctx, dy)},
                                         {DNNL_ARG_DIFF_WEIGHTS, plain_memory(ctx, dw)},
                                         {DNNL_ARG_DIFF_BIAS, plain_memory(ctx, db)}});
    return {dx, dw, has_bias ? db : Tensor()};
}

std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = in[0];
    const Tensor& w = in[1];
    Tensor b = in.size() > 2 ? in[2] : Tensor();
    check(x, w, b);
    const Fused f = fused(attrs);
    LinearPrimitives& p = primitives(ctx, x.shape(), w.shape(), f);
    Tensor bias = b.defined() ? b : ctx.zeros(DType::f32, {w.dim(0)});
    Tensor y = ctx.empty(DType::f32, {x.dim(0), w.dim(0)});
    p.fwd.execute(ctx.device().stream(), {{DNNL_ARG_SRC, plain_memory(ctx, x)},
                                 {DNNL_ARG_WEIGHTS, plain_memory(ctx, w)},
                                 {DNNL_ARG_BIAS, plain_memory(ctx, bias)},
                                 {DNNL_ARG_DST, plain_memory(ctx, y)}});
    if (needs_grad(ctx, {x, w, b})) {
        bool has_bias = b.defined();
        Tensor saved_y = f.activation ? y : Tensor();
        record_op(ctx, name, {x, w, b}, {y}, [x, w, has_bias, f, saved_y](Context& c, const std::vector<Tensor>& g) {
            return backward(c, x, w, has_bias, f, saved_y, g[0]);
        });
    }
    return {y};
}

}  // namespace

void register_linear(OpRegistry& r) {
    r.add({name, "linear(x[N,I], w[O,I], b[O]?) -> y[N,O]", 2, 3, 1, forward});
}

}  // namespace chimera
