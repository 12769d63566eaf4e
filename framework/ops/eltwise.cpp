// Elementwise activations on oneDNN's eltwise primitive, one family in one file because they
// differ only in the oneDNN algorithm and its alpha/beta (a table below):
//   relu, leaky_relu(slope), elu(alpha), gelu (erf form, as PyTorch), tanh, sigmoid, softplus,
//   exp, log, sqrt, square, abs, silu (x sigmoid(x): oneDNN's swish with alpha 1).
//   x[...] -> y[...], same shape.
// Backward uses oneDNN's eltwise backward from the saved input x (or from the output y for the
// "use_dst_for_bwd" variants, which saves recomputing exp, tanh, sigmoid and sqrt).
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

namespace chimera {

namespace {

using dnnl::algorithm;

struct EltwiseKind {
    const char* name;
    algorithm fwd_alg;   // forward algorithm
    bool from_dst;       // backward computed from the output
    double default_alpha;
    bool takes_alpha;    // the op reads alpha from its first attribute
};

const EltwiseKind kinds[] = {
    {"relu", algorithm::eltwise_relu, false, 0.0, false},
    {"leaky_relu", algorithm::eltwise_relu, false, 0.01, true},
    {"elu", algorithm::eltwise_elu, false, 1.0, true},
    {"gelu", algorithm::eltwise_gelu_erf, false, 0.0, false},
    {"tanh", algorithm::eltwise_tanh_use_dst_for_bwd, true, 0.0, false},
    {"sigmoid", algorithm::eltwise_logistic_use_dst_for_bwd, true, 0.0, false},
    {"softplus", algorithm::eltwise_soft_relu, false, 0.0, false},
    {"exp", algorithm::eltwise_exp_use_dst_for_bwd, true, 0.0, false},
    {"log", algorithm::eltwise_log, false, 0.0, false},
    {"sqrt", algorithm::eltwise_sqrt_use_dst_for_bwd, true, 0.0, false},
    {"square", algorithm::eltwise_square, false, 0.0, false},
    {"abs", algorithm::eltwise_abs, false, 0.0, false},
    {"silu", algorithm::eltwise_swish, false, 1.0, false},
};

struct EltwisePrimitives {
    dnnl::eltwise_forward fwd;
    dnnl::eltwise_backward bwd;
};

EltwisePrimitives& primitives(Context& ctx, const EltwiseKind& k, const Shape& shape, float alpha) {
    return ctx.device().primitives().get<EltwisePrimitives>(cache_key(k.name, {shape}, {alpha}), [&] {
        auto md = plain_desc(shape);
        dnnl::eltwise_forward::primitive_desc fwd_pd(
            {dnnl::prop_kind::forward_training, k.fwd_alg, md, alpha, 0.0f}, ctx.device().engine());
        dnnl::eltwise_backward::primitive_desc bwd_pd({k.fwd_alg, md, md, alpha, 0.0f},
                                                       ctx.device().engine(), fwd_pd);
        return EltwisePrimitives{dnnl::eltwise_forward(fwd_pd), dnnl::eltwise_backward(bwd_pd)};
    });
}

template <int K>
std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const EltwiseKind& k = kinds[K];
    const Tensor& x = in[0];
    expect_dtype(k.name, "input", x, DType::f32);
    float alpha = static_cast<float>(k.takes_alpha && !attrs.empty() ? attrs[0] : k.default_alpha);
    EltwisePrimitives& p = primitives(ctx, k, x.shape(), alpha);
    Tensor y = ctx.empty(DType::f32, x.shape());
    p.fwd.execute(ctx.device().stream(), {{DNNL_ARG_SRC, plain_memory(ctx, x)}, {DNNL_ARG_DST, plain_memory(ctx, y)}});
    if (needs_grad(ctx, {x})) {
        Tensor saved = k.from_dst ? y : x;
        record_op(ctx, k.name, {x}, {y}, [saved, alpha, &k](Context& c, const std::vector<Tensor>& g) {
            EltwisePrimitives& q = primitives(c, k, saved.shape(), alpha);
            Tensor dx = c.empty(DType::f32, saved.shape());
            q.bwd.execute(c.device().stream(), {{k.from_dst ? DNNL_ARG_DST : DNNL_ARG_SRC, plain_memory(c, saved)},
                                       {DNNL_ARG_DIFF_DST, plain_memory(c, g[0])},
                                       {DNNL_ARG_DIFF_SRC, plain_memory(c, dx)}});
            return std::vector<Tensor>{dx};
        });
    }
    return {y};
}

template <int K>
OpDef def() {
    const EltwiseKind& k = kinds[K];
    return {k.name, std::string(k.name) + "(x) -> y, same shape", 1, 1, 1, forward<K>};
}

}  // namespace

void register_eltwise(OpRegistry& r) {
    r.add(def<0>());
    r.add(def<1>());
    r.add(def<2>());
    r.add(def<3>());
    r.add(def<4>());
    r.add(def<5>());
    r.add(def<6>());
    r.add(def<7>());
    r.add(def<8>());
    r.add(def<9>());
    r.add(def<10>());
    r.add(def<11>());
    r.add(def<12>());
}

}  // namespace chimera
