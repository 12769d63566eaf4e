// batch_norm(x[N,C,...], gamma[C], beta[C], running_mean[C], running_var[C]) -> y, x's shape:
//   y = gamma (x - mean) / sqrt(var + eps) + beta per channel, statistics over N and the spatial
//   dims. Training: the batch's mean and biased var, and running = (1 - momentum) running +
//   momentum stat in place (var unbiased, n / (n - 1)). Eval: the running stats, untouched.
// PyTorch's semantics; running stats get no gradient. Own loops, threads over channels: on
// plain [N, C, H, W] data oneDNN 2.6 has only its generic kernel, which took 14% of a DCGAN
// step (three passes over memory where two do).
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace chimera {

namespace {

const char* const name = "batch_norm";

struct BatchNormAttrs {
    bool training = true;
    double momentum = 0.1;
    float eps = 1e-5f;
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

// Channel c of x (as [N, C, S]) is N rows of S contiguous values, row n at n * C * S + c * S.
struct Rows {
    int64_t n, c, s;
    int64_t at(int64_t row, int64_t channel) const { return (row * c + channel) * s; }
    double count() const { return static_cast<double>(n * s); }
};

Rows rows_of(const Shape& x) {
    Shape ncs = as_ncs(x);
    return {ncs[0], ncs[1], ncs[2]};
}

// The batch's mean and biased variance per channel (two passes, sums in double).
void batch_statistics(const Rows& r, const float* x, float* mean, float* var) {
#pragma omp parallel for schedule(static)
    for (int64_t c = 0; c < r.c; ++c) {
        double sum = 0;
        for (int64_t n = 0; n < r.n; ++n) {
            const float* row = x + r.at(n, c);
            float part = 0;
            for (int64_t j = 0; j < r.s; ++j) part += row[j];
            sum += part;
        }
        const double m = sum / r.count();
        double squares = 0;
        for (int64_t n = 0; n < r.n; ++n) {
            const float* row = x + r.at(n, c);
            const float mf = static_cast<float>(m);
            float part = 0;
            for (int64_t j = 0; j < r.s; ++j) part += (row[j] - mf) * (row[j] - mf);
            squares += part;
        }
        mean[c] = static_cast<float>(m);
        var[c] = static_cast<float>(squares / r.count());
    }
}

// y = x * scale + shift per channel, scale = gamma / sqrt(var + eps), shift = beta - mean scale.
void normalise(const Rows& r, const float* x, const float* gamma, const float* beta, const float* mean,
               const float* var, float eps, float* y) {
#pragma omp parallel for schedule(static)
    for (int64_t c = 0; c < r.c; ++c) {
        const float rstd = 1.0f / std::sqrt(var[c] + eps);
        const float scale = gamma[c] * rstd, shift = beta[c] - mean[c] * scale;
        for (int64_t n = 0; n < r.n; ++n) {
            const float* in = x + r.at(n, c);
            float* out = y + r.at(n, c);
            for (int64_t j = 0; j < r.s; ++j) out[j] = in[j] * scale + shift;
        }
    }
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

// What backward needs: x, gamma, and the statistics x was normalised with (the batch's in
// training; in eval a copy of the running stats, which a later training call may overwrite).
struct Saved {
    Tensor x, gamma, mean, var;
    bool training;
    float eps;
    bool want_x, want_gamma, want_beta;
};

std::vector<Tensor> backward(Context& ctx, const Saved& s, const Tensor& dy);

std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    BatchNormAttrs a = read_attrs(attrs);
    check(in, a.training);
    const Tensor &x = in[0], &gamma = in[1], &beta = in[2];
    Tensor running_mean = in[3], running_var = in[4];
    Tensor y = ctx.empty(DType::f32, x.shape());
    if (x.numel() == 0) return {y};

    const Rows r = rows_of(x.shape());
    const int64_t channels = x.dim(1);
    Tensor mean = a.training ? ctx.empty(DType::f32, {channels}) : running_mean;
    Tensor var = a.training ? ctx.empty(DType::f32, {channels}) : running_var;
    if (a.training) batch_statistics(r, x.data<float>(), mean.data<float>(), var.data<float>());
    normalise(r, x.data<float>(), gamma.data<float>(), beta.data<float>(), mean.data<float>(), var.data<float>(), a.eps,
              y.data<float>());
    if (a.training) update_running(running_mean, running_var, mean, var, r.n * r.s, a.momentum);

    if (needs_grad(ctx, {x, gamma, beta})) {
        Tensor saved_mean = a.training ? mean : copy_of(ctx, mean);
        Tensor saved_var = a.training ? var : copy_of(ctx, var);
        Saved s{x, gamma, saved_mean, saved_var, a.training, a.eps, x.requires_grad(), gamma.requires_grad(),
                beta.requires_grad()};
        record_op(ctx, name, {x, gamma, beta}, {y}, [s](Context& c, const std::vector<Tensor>& g) {
            return backward(c, s, g[0]);
        });
    }
    return {y};
}

// With xhat = (x - mean) rstd: dbeta = sum dy, dgamma = sum dy xhat, and in training (the
// statistics depend on x) dx = gamma rstd (dy - dbeta / M - xhat dgamma / M), M values per
// channel; in eval dx = gamma rstd dy. Each only when its input wants it (the sums feed dx too).
std::vector<Tensor> backward(Context& ctx, const Saved& s, const Tensor& dy) {
    const Rows r = rows_of(s.x.shape());
    const bool want_x = s.want_x;
    Tensor dx = want_x ? ctx.empty(DType::f32, s.x.shape()) : Tensor();
    Tensor dgamma = ctx.empty(DType::f32, s.gamma.shape());
    Tensor dbeta = ctx.empty(DType::f32, s.gamma.shape());
    const float *x = s.x.data<float>(), *g = dy.data<float>(), *gamma = s.gamma.data<float>();
    const float *mean = s.mean.data<float>(), *var = s.var.data<float>();
    float* out = want_x ? dx.data<float>() : nullptr;
#pragma omp parallel for schedule(static)
    for (int64_t c = 0; c < r.c; ++c) {
        const float m = mean[c], rstd = 1.0f / std::sqrt(var[c] + s.eps);
        double sum_dy = 0, sum_dy_xc = 0;  // xc = x - mean
        for (int64_t n = 0; n < r.n; ++n) {
            const float* xr = x + r.at(n, c);
            const float* gr = g + r.at(n, c);
            float a = 0, b = 0;
            for (int64_t j = 0; j < r.s; ++j) {
                a += gr[j];
                b += gr[j] * (xr[j] - m);
            }
            sum_dy += a;
            sum_dy_xc += b;
        }
        dbeta.data<float>()[c] = static_cast<float>(sum_dy);
        dgamma.data<float>()[c] = static_cast<float>(sum_dy_xc * rstd);
        if (!want_x) continue;
        const float k = gamma[c] * rstd;
        const float mean_dy = s.training ? static_cast<float>(sum_dy / r.count()) : 0.0f;
        const float slope = s.training ? static_cast<float>(sum_dy_xc / r.count()) * rstd * rstd : 0.0f;
        for (int64_t n = 0; n < r.n; ++n) {
            const float* xr = x + r.at(n, c);
            const float* gr = g + r.at(n, c);
            float* o = out + r.at(n, c);
            for (int64_t j = 0; j < r.s; ++j) o[j] = k * (gr[j] - mean_dy - (xr[j] - m) * slope);
        }
    }
    return {s.want_x ? dx : Tensor(), s.want_gamma ? dgamma : Tensor(), s.want_beta ? dbeta : Tensor()};
}

}  // namespace

void register_batch_norm(OpRegistry& r) {
    r.add({name, "batch_norm(x[N,C,...], gamma[C], beta[C], running_mean[C], running_var[C]) -> y, x's shape", 5, 5, 1, forward});
}

}  // namespace chimera
