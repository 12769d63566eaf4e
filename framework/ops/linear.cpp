// linear(x[N,I], w[O,I], b[O]?) -> y[N,O]:  y = x w^T + b, on oneDNN's inner product.
//   dx = dy w,  dw = dy^T x,  db = sum over N of dy.
// Saves x and w for backward. Forward, backward-data and backward-weights primitives are built
// once per shape, the backward ones hinted by the forward descriptor, and reused.
#include "autograd/tape.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

namespace chimera {

namespace {

const char* const name = "linear";

struct LinearPrimitives {
    dnnl::inner_product_forward::primitive_desc fwd_pd;
    dnnl::inner_product_forward fwd;
    dnnl::inner_product_backward_data::primitive_desc bwd_data_pd;
    dnnl::inner_product_backward_data bwd_data;
    dnnl::inner_product_backward_weights::primitive_desc bwd_weights_pd;
    dnnl::inner_product_backward_weights bwd_weights;
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

LinearPrimitives& primitives(Context& ctx, const Shape& x, const Shape& w) {
    return ctx.primitives().get<LinearPrimitives>(cache_key(name, {x, w}), [&] {
        using namespace dnnl;
        auto x_md = plain_desc(x), w_md = plain_desc(w), b_md = plain_desc({w[0]});
        auto y_md = plain_desc({x[0], w[0]});
        inner_product_forward::primitive_desc fwd_pd(
            {prop_kind::forward_training, x_md, w_md, b_md, y_md}, ctx.engine());
        inner_product_backward_data::primitive_desc bd_pd({x_md, w_md, y_md}, ctx.engine(), fwd_pd);
        inner_product_backward_weights::primitive_desc bw_pd({x_md, w_md, b_md, y_md}, ctx.engine(),
                                                              fwd_pd);
        return LinearPrimitives{fwd_pd, inner_product_forward(fwd_pd), bd_pd,
                                inner_product_backward_data(bd_pd), bw_pd,
                                inner_product_backward_weights(bw_pd)};
    });
}

std::vector<Tensor> backward(Context& ctx, const Tensor& x, const Tensor& w, bool has_bias,
                             const Tensor& dy) {
    LinearPrimitives& p = primitives(ctx, x.shape(), w.shape());
    Tensor dx, dw, db;
    if (x.requires_grad()) {
        dx = ctx.empty(DType::f32, x.shape());
        p.bwd_data.execute(ctx.stream(), {{DNNL_ARG_DIFF_DST, plain_memory(ctx, dy)},
                                          {DNNL_ARG_WEIGHTS, plain_memory(ctx, w)},
                                          {DNNL_ARG_DIFF_SRC, plain_memory(ctx, dx)}});
    }
    dw = ctx.empty(DType::f32, w.shape());
    db = ctx.empty(DType::f32, {w.dim(0)});
    p.bwd_weights.execute(ctx.stream(), {{DNNL_ARG_SRC, plain_memory(ctx, x)},
                                         {DNNL_ARG_DIFF_DST, plain_memory(ctx, dy)},
                                         {DNNL_ARG_DIFF_WEIGHTS, plain_memory(ctx, dw)},
                                         {DNNL_ARG_DIFF_BIAS, plain_memory(ctx, db)}});
    return {dx, dw, has_bias ? db : Tensor()};
}

std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs&) {
    const Tensor& x = in[0];
    const Tensor& w = in[1];
    Tensor b = in.size() > 2 ? in[2] : Tensor();
    check(x, w, b);
    LinearPrimitives& p = primitives(ctx, x.shape(), w.shape());
    Tensor bias = b.defined() ? b : ctx.zeros(DType::f32, {w.dim(0)});
    Tensor y = ctx.empty(DType::f32, {x.dim(0), w.dim(0)});
    p.fwd.execute(ctx.stream(), {{DNNL_ARG_SRC, plain_memory(ctx, x)},
                                 {DNNL_ARG_WEIGHTS, plain_memory(ctx, w)},
                                 {DNNL_ARG_BIAS, plain_memory(ctx, bias)},
                                 {DNNL_ARG_DST, plain_memory(ctx, y)}});
    if (needs_grad(ctx, {x, w, b})) {
        bool has_bias = b.defined();
        record_op(ctx, name, {x, w, b}, {y}, [x, w, has_bias](Context& c, const std::vector<Tensor>& g) {
            return backward(c, x, w, has_bias, g[0]);
        });
    }
    return {y};
}

}  // namespace

void register_linear(OpRegistry& r) {
    r.add({name, "linear(x[N,I], w[O,I], b[O]?) -> y[N,O]", "", 2, 3, 0, 0, 1, forward});
}

}  // namespace chimera
