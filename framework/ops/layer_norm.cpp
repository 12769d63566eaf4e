// layer_norm(x[..., D], gamma[D]?, beta[D]?) -> y, x's shape: each row of the last dimension
//   y = (x - mean) / sqrt(var + eps) * gamma + beta, mean and biased var over that row's D values
//   (gamma 1 and beta 0 when absent). PyTorch's layer_norm with normalized_shape [D] only, on
// oneDNN's layer normalisation with x seen as [M, D]. Saves x, gamma and each row's mean and var.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

#include <sstream>
#include <unordered_map>

namespace chimera {

namespace {

const char* const name = "layer_norm";

struct LayerNormPrimitives {
    dnnl::layer_normalization_forward fwd;
    dnnl::layer_normalization_backward bwd;
};

float read_eps(const Attrs& attrs) {
    if (attrs.empty()) return 1e-5f;
    if (!(attrs[0] >= 0.0)) {
        std::ostringstream s;
        s << name << ": eps must be >= 0, got " << attrs[0];
        throw ShapeError(s.str());
    }
    return static_cast<float>(attrs[0]);
}

void check(const Tensor& x, const Tensor& gamma, const Tensor& beta) {
    expect_min_rank(name, "input x", x, 1);
    expect_dtype(name, "input x", x, DType::f32);
    const char* const what[] = {"gamma", "beta"};
    const Tensor* params[] = {&gamma, &beta};
    for (int i = 0; i < 2; ++i) {
        const Tensor& t = *params[i];
        if (!t.defined()) continue;
        expect_dtype(name, what[i], t, DType::f32);
        if (t.rank() != 1 || t.dim(0) != x.dim(-1))
            throw ShapeError(std::string(name) + ": " + what[i] + " " + describe(t) + " must be [" +
                             std::to_string(x.dim(-1)) + "] for the last dimension of x " + describe(x));
    }
}

// x as oneDNN sees it: [M, D], M the product of the leading dims.
Shape as_rows(const Shape& x) {
    int64_t d = x.back();
    return {d == 0 ? 0 : numel(x) / d, d};
}

// The forward and backward primitives; `backward` is prop_kind::backward (dx, dgamma and dbeta)
// or, when neither gamma nor beta wants a gradient, backward_data (dx alone), cached apart.
LayerNormPrimitives& primitives(Context& ctx, const Shape& rows, bool has_gamma, bool has_beta, float eps,
                                dnnl::prop_kind backward = dnnl::prop_kind::backward) {
    const std::vector<double> key{has_gamma ? 1.0 : 0.0, has_beta ? 1.0 : 0.0, eps};
    const std::string op = backward == dnnl::prop_kind::backward ? name : "layer_norm_backward_data";
    return ctx.device().primitives().get<LayerNormPrimitives>(cache_key(op, {rows}, key), [&] {
        using namespace dnnl;
        auto flags = normalization_flags::none;
        if (has_gamma) flags |= normalization_flags::use_scale;
        if (has_beta) flags |= normalization_flags::use_shift;
        auto md = plain_desc(rows), stat_md = plain_desc({rows[0]});
        layer_normalization_forward::primitive_desc fwd_pd(
            {prop_kind::forward_training, md, stat_md, eps, flags}, ctx.device().engine());
        layer_normalization_backward::primitive_desc bwd_pd(
            {backward, md, md, stat_md, eps, flags}, ctx.device().engine(), fwd_pd);
        return LayerNormPrimitives{layer_normalization_forward(fwd_pd),
                                   layer_normalization_backward(bwd_pd)};
    });
}

// What backward needs: x, gamma (to scale dy), beta (oneDNN 2.6 checks that every input its
// flags name is passed, though beta's value is unused), and the row statistics.
struct Saved {
    Tensor x, gamma, beta, mean, var;
    float eps;
    bool want_x, want_gamma, want_beta;
};

std::vector<Tensor> backward(Context& ctx, const Saved& s, const Tensor& dy);

std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = in[0];
    Tensor gamma = in.size() > 1 ? in[1] : Tensor();
    Tensor beta = in.size() > 2 ? in[2] : Tensor();
    check(x, gamma, beta);
    const float eps = read_eps(attrs);
    Tensor y = ctx.empty(DType::f32, x.shape());
    if (x.numel() == 0) return {y};

    Shape rows = as_rows(x.shape());
    LayerNormPrimitives& p = primitives(ctx, rows, gamma.defined(), beta.defined(), eps);
    Tensor mean = ctx.empty(DType::f32, {rows[0]});
    Tensor var = ctx.empty(DType::f32, {rows[0]});
    auto md = plain_desc(rows);
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, plain_memory(ctx, x, md)},
                                               {DNNL_ARG_MEAN, plain_memory(ctx, mean)},
                                               {DNNL_ARG_VARIANCE, plain_memory(ctx, var)},
                                               {DNNL_ARG_DST, plain_memory(ctx, y, md)}};
    if (gamma.defined()) args.emplace(DNNL_ARG_SCALE, plain_memory(ctx, gamma));
    if (beta.defined()) args.emplace(DNNL_ARG_SHIFT, plain_memory(ctx, beta));
    p.fwd.execute(ctx.device().stream(), args);

    if (needs_grad(ctx, {x, gamma, beta})) {
        Saved s{x, gamma, beta, mean, var, eps, x.requires_grad(), gamma.defined() && gamma.requires_grad(),
                beta.defined() && beta.requires_grad()};
        record_op(ctx, name, {x, gamma, beta}, {y}, [s](Context& c, const std::vector<Tensor>& g) {
            return backward(c, s, g[0]);
        });
    }
    return {y};
}

std::vector<Tensor> backward(Context& ctx, const Saved& s, const Tensor& dy) {
    Shape rows = as_rows(s.x.shape());
    const bool params = s.want_gamma || s.want_beta;
    LayerNormPrimitives& p = primitives(ctx, rows, s.gamma.defined(), s.beta.defined(), s.eps,
                                        params ? dnnl::prop_kind::backward : dnnl::prop_kind::backward_data);
    auto md = plain_desc(rows);
    // dx comes with every call (oneDNN computes it even when x wants none); dgamma and dbeta only
    // through prop_kind::backward, and only the wanted ones are returned.
    Tensor dx = ctx.empty(DType::f32, s.x.shape());
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, plain_memory(ctx, s.x, md)},
                                               {DNNL_ARG_MEAN, plain_memory(ctx, s.mean)},
                                               {DNNL_ARG_VARIANCE, plain_memory(ctx, s.var)},
                                               {DNNL_ARG_DIFF_DST, plain_memory(ctx, dy, md)},
                                               {DNNL_ARG_DIFF_SRC, plain_memory(ctx, dx, md)}};
    Tensor dgamma, dbeta;
    if (s.gamma.defined()) {
        args.emplace(DNNL_ARG_SCALE, plain_memory(ctx, s.gamma));
        if (params) {
            dgamma = ctx.empty(DType::f32, s.gamma.shape());
            args.emplace(DNNL_ARG_DIFF_SCALE, plain_memory(ctx, dgamma));
        }
    }
    if (s.beta.defined()) {
        args.emplace(DNNL_ARG_SHIFT, plain_memory(ctx, s.beta));
        if (params) {
            dbeta = ctx.empty(DType::f32, s.beta.shape());
            args.emplace(DNNL_ARG_DIFF_SHIFT, plain_memory(ctx, dbeta));
        }
    }
    p.bwd.execute(ctx.device().stream(), args);
    return {s.want_x ? dx : Tensor(), s.want_gamma ? dgamma : Tensor(), s.want_beta ? dbeta : Tensor()};
}

}  // namespace

void register_layer_norm(OpRegistry& r) {
    r.add({name, "layer_norm(x[..., D], gamma[D]?, beta[D]?) -> y, x's shape", 1, 3, 1, forward});
}

}  // namespace chimera
