// batch_norm(x[N,C,...], gamma[C], beta[C], running_mean[C], running_var[C]) -> y, x's shape:
//   y = gamma (x - mean) / sqrt(var + eps) + beta per channel, statistics over N and the spatial
//   dims. Training: the batch's mean and biased var, and running = (1 - momentum) running +
//   momentum stat in place (var unbiased, n / (n - 1)). Eval: the running stats, untouched.
// PyTorch's semantics on oneDNN's batch normalisation; running stats get no gradient.
#include "autograd/tape.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

#include <algorithm>
#include <sstream>

namespace chimera {

namespace {

const char* const name = "batch_norm";

struct BatchNormAttrs {
    bool training = true;
    double momentum = 0.1;
    float eps = 1e-5f;
};

struct BatchNormPrimitives {
    dnnl::batch_normalization_forward fwd;
    dnnl::batch_normalization_backward bwd;
};

BatchNormAttrs read_attrs(const Attrs& attrs) {
    BatchNormAttrs a;
    if (attrs.size() > 0) a.training = int_attr(name, attrs, 0, "training", 0, 1) == 1;
    if (attrs.size() > 1) a.momentum = attrs[1];
    if (attrs.size() > 2) a.eps = static_cast<float>(attrs[2]);
    if (!(a.eps >= 0.0f)) {
        std::ostringstream s;
        s << name << ": eps must be >= 0, got " << attrs[2];
        throw ShapeError(s.str());
    }
    return a;
}

// x as oneDNN sees it: [N, C, S], S the product of the spatial dims (1 when there are none).
Shape as_ncs(const Shape& x) {
    int64_t s = 1;
    for (std::size_t i = 2; i < x.size(); ++i) s *= x[i];
    return {x[0], x[1], s};
}

void check(const std::vector<Tensor>& in, bool training) {
    const Tensor& x = in[0];
    expect_min_rank(name, "input x", x, 2);
    expect_dtype(name, "input x", x, DType::f32);
    const char* const what[] = {"x", "gamma", "beta", "running_mean", "running_var"};
    for (int i = 1; i < 5; ++i) {
        expect_dtype(name, what[i], in[i], DType::f32);
        if (in[i].rank() != 1 || in[i].dim(0) != x.dim(1))
            throw ShapeError(std::string(name) + ": " + what[i] + " " + describe(in[i]) + " must be [" +
                             std::to_string(x.dim(1)) + "] for the channels of x " + describe(x));
    }
    Shape ncs = as_ncs(x.shape());
    if (training && ncs[1] > 0 && ncs[0] * ncs[2] <= 1)
        throw ShapeError(std::string(name) + ": training needs more than 1 value per channel, got x " +
                         describe(x));
}

// oneDNN 2.6 has only its reference kernel for 3-D data, and optimised ones for 4-D: [N, C, S]
// is described as [N, C, S, 1] (same memory).
Shape as_nchw(const Shape& ncs) { return {ncs[0], ncs[1], ncs[2], 1}; }

BatchNormPrimitives& primitives(Context& ctx, const Shape& ncs, bool training, float eps) {
    return ctx.primitives().get<BatchNormPrimitives>(
        cache_key(name, {ncs}, {training ? 1.0 : 0.0, eps}), [&] {
            using namespace dnnl;
            auto flags = normalization_flags::use_scale | normalization_flags::use_shift;
            if (!training) flags |= normalization_flags::use_global_stats;
            auto md = plain_desc(as_nchw(ncs));
            batch_normalization_forward::primitive_desc fwd_pd(
                {prop_kind::forward_training, md, eps, flags}, ctx.engine());
            batch_normalization_backward::primitive_desc bwd_pd(
                {prop_kind::backward, md, md, eps, flags}, ctx.engine(), fwd_pd);
            return BatchNormPrimitives{batch_normalization_forward(fwd_pd),
                                       batch_normalization_backward(bwd_pd)};
        });
}

Tensor copy_of(Context& ctx, const Tensor& t) {
    Tensor c = ctx.empty(t.dtype(), t.shape());
    std::copy_n(t.data<float>(), t.numel(), c.data<float>());
    return c;
}

// PyTorch's update, in double as its CPU kernel does, with the unbiased batch variance.
void update_running(Tensor& running_mean, Tensor& running_var, const Tensor& mean,
                    const Tensor& var, int64_t n, double momentum) {
    float* rm = running_mean.data<float>();
    float* rv = running_var.data<float>();
    const float* m = mean.data<float>();
    const float* v = var.data<float>();
    const double unbias = static_cast<double>(n) / static_cast<double>(n - 1);
    for (int64_t c = 0; c < mean.numel(); ++c) {
        rm[c] = static_cast<float>(momentum * m[c] + (1 - momentum) * rm[c]);
        rv[c] = static_cast<float>(momentum * (v[c] * unbias) + (1 - momentum) * rv[c]);
    }
}

// What backward needs: x, gamma, beta (oneDNN 2.6 checks that every input its flags name is
// passed, though beta's value is unused), and the statistics x was normalised with (the batch's
// in training; in eval a copy of the running stats, which a later training call may overwrite).
struct Saved {
    Tensor x, gamma, beta, mean, var;
    bool training;
    float eps;
};

std::vector<Tensor> backward(Context& ctx, const Saved& s, const Tensor& dy);

std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    BatchNormAttrs a = read_attrs(attrs);
    check(in, a.training);
    const Tensor &x = in[0], &gamma = in[1], &beta = in[2];
    Tensor running_mean = in[3], running_var = in[4];
    Tensor y = ctx.empty(DType::f32, x.shape());
    if (x.numel() == 0) return {y};

    Shape ncs = as_ncs(x.shape());
    BatchNormPrimitives& p = primitives(ctx, ncs, a.training, a.eps);
    const int64_t channels = x.dim(1);
    Tensor mean = a.training ? ctx.empty(DType::f32, {channels}) : running_mean;
    Tensor var = a.training ? ctx.empty(DType::f32, {channels}) : running_var;
    auto md = plain_desc(as_nchw(ncs));
    // In training MEAN and VARIANCE are outputs (the biased batch statistics), in eval inputs.
    p.fwd.execute(ctx.stream(), {{DNNL_ARG_SRC, plain_memory(ctx, x, md)},
                                 {DNNL_ARG_SCALE, plain_memory(ctx, gamma)},
                                 {DNNL_ARG_SHIFT, plain_memory(ctx, beta)},
                                 {DNNL_ARG_MEAN, plain_memory(ctx, mean)},
                                 {DNNL_ARG_VARIANCE, plain_memory(ctx, var)},
                                 {DNNL_ARG_DST, plain_memory(ctx, y, md)}});
    if (a.training) update_running(running_mean, running_var, mean, var, ncs[0] * ncs[2], a.momentum);

    if (needs_grad(ctx, {x, gamma, beta})) {
        Tensor saved_mean = a.training ? mean : copy_of(ctx, mean);
        Tensor saved_var = a.training ? var : copy_of(ctx, var);
        Saved s{x, gamma, beta, saved_mean, saved_var, a.training, a.eps};
        record_op(ctx, name, {x, gamma, beta}, {y}, [s](Context& c, const std::vector<Tensor>& g) {
            return backward(c, s, g[0]);
        });
    }
    return {y};
}

std::vector<Tensor> backward(Context& ctx, const Saved& s, const Tensor& dy) {
    Shape ncs = as_ncs(s.x.shape());
    BatchNormPrimitives& p = primitives(ctx, ncs, s.training, s.eps);
    auto md = plain_desc(as_nchw(ncs));
    Tensor dx = ctx.empty(DType::f32, s.x.shape());
    Tensor dgamma = ctx.empty(DType::f32, s.gamma.shape());
    Tensor dbeta = ctx.empty(DType::f32, s.gamma.shape());
    p.bwd.execute(ctx.stream(), {{DNNL_ARG_SRC, plain_memory(ctx, s.x, md)},
                                 {DNNL_ARG_MEAN, plain_memory(ctx, s.mean)},
                                 {DNNL_ARG_VARIANCE, plain_memory(ctx, s.var)},
                                 {DNNL_ARG_DIFF_DST, plain_memory(ctx, dy, md)},
                                 {DNNL_ARG_SCALE, plain_memory(ctx, s.gamma)},
                                 {DNNL_ARG_SHIFT, plain_memory(ctx, s.beta)},
                                 {DNNL_ARG_DIFF_SRC, plain_memory(ctx, dx, md)},
                                 {DNNL_ARG_DIFF_SCALE, plain_memory(ctx, dgamma)},
                                 {DNNL_ARG_DIFF_SHIFT, plain_memory(ctx, dbeta)}});
    return {dx, dgamma, dbeta};
}

}  // namespace

void register_batch_norm(OpRegistry& r) {
    r.add({name,
           "batch_norm(x[N,C,...], gamma[C], beta[C], running_mean[C], running_var[C]) -> y, x's shape",
           "training (1|0, default 1), momentum (default 0.1), eps (default 1e-5)", 5, 5, 0, 3, 1,
           forward});
}

}  // namespace chimera
