// attention(q[B, H, T, D], k[B, H, S, D], v[B, H, S, D], mask?) -> y[B, H, T, D]: scaled
// dot-product attention in one op, per batch b and head h
//   scores = scale q k^T + mask (+ -inf above the diagonal when causal),  p = softmax(scores),
//   y = p v;  backward  dv = p^T dy,  dp = dy v^T,  ds = p (dp - rowsum(dp p)),
//   dq = scale ds k,  dk = scale ds^T q.
// `mask` is additive, [T, S] or [B, 1, 1, S] (padding keys) or [B, 1, T, S] or [B, H, T, S], and
// gets no gradient; dq, dk, dv are computed only for the inputs that require them. Attributes:
// scale (0: 1 / sqrt(D)), causal (0 or 1, needs T == S). Saves q, k, v and p. Why fused: the composed ops record five tape entries and four [B, H, T, S]
// temporaries per call; here one entry and one. Plain loops: T and S are a caption's length.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace chimera {

namespace {

const char* const name = "attention";

struct Dims {
    int64_t b, h, t, s, d;
    // Strides of the mask over (b, h, i, j); 0 where it broadcasts.
    int64_t mb = 0, mh = 0, mt = 0;
    bool mask = false, causal = false;
    float scale = 1;
};

Dims check(const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor &q = in[0], &k = in[1], &v = in[2];
    for (const auto& [what, t] : {std::pair<const char*, const Tensor*>{"q", &q}, {"k", &k}, {"v", &v}}) {
        expect_rank(name, what, *t, 4);
        expect_dtype(name, what, *t, DType::f32);
    }
    Dims d{q.dim(0), q.dim(1), q.dim(2), k.dim(2), q.dim(3)};
    if (k.dim(0) != d.b || k.dim(1) != d.h || k.dim(3) != d.d || v.shape() != k.shape())
        throw ShapeError(std::string(name) + ": q " + describe(q) + ", k " + describe(k) + " and v " + describe(v) +
                         " must be [B, H, T, D], [B, H, S, D] and [B, H, S, D]");
    const double scale = attrs.empty() ? 0.0 : attrs[0];
    if (!(scale >= 0)) throw ShapeError(std::string(name) + ": scale must be >= 0 (0: 1 / sqrt(D))");
    d.scale = static_cast<float>(scale > 0 ? scale : 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(d.d, 1))));
    d.causal = attrs.size() > 1 && int_attr(name, attrs, 1, "causal", 0, 1) == 1;
    if (d.causal && d.t != d.s) throw ShapeError(std::string(name) + ": causal attention needs as many keys as queries, got " +
                                                 std::to_string(d.t) + " and " + std::to_string(d.s));
    if (in.size() > 3 && in[3].defined()) {
        const Tensor& m = in[3];
        expect_dtype(name, "mask", m, DType::f32);
        const Shape& s = m.shape();
        d.mask = true;
        if (s == Shape{d.t, d.s}) {
            d.mt = d.s;
        } else if (s.size() == 4 && (s[0] == d.b || s[0] == 1) && (s[1] == d.h || s[1] == 1) && (s[2] == d.t || s[2] == 1) && s[3] == d.s) {
            d.mt = s[2] == 1 ? 0 : d.s;
            d.mh = s[1] == 1 ? 0 : s[2] * d.s;
            d.mb = s[0] == 1 ? 0 : s[1] * s[2] * d.s;
        } else {
            throw ShapeError(std::string(name) + ": mask " + describe(m) + " must be [T, S] or [B|1, H|1, T|1, S] for q " + describe(q) +
                             " and k " + describe(k));
        }
    }
    return d;
}

// p[b, h] = softmax(scale q k^T + mask) for every (b, h), and y = p v.
void forward_loops(const Dims& d, const float* q, const float* k, const float* v, const float* mask, float* p, float* y) {
    const int64_t pairs = d.b * d.h;
#pragma omp parallel for schedule(static) if (pairs * d.t * d.s * d.d > 32768)
    for (int64_t bh = 0; bh < pairs; ++bh) {
        const int64_t b = bh / d.h, h = bh % d.h;
        const float* qb = q + bh * d.t * d.d;
        const float* kb = k + bh * d.s * d.d;
        const float* vb = v + bh * d.s * d.d;
        float* pb = p + bh * d.t * d.s;
        float* yb = y + bh * d.t * d.d;
        for (int64_t i = 0; i < d.t; ++i) {
            float* row = pb + i * d.s;
            float top = -std::numeric_limits<float>::infinity();
            const int64_t keys = d.causal ? i + 1 : d.s;
            for (int64_t j = 0; j < keys; ++j) {
                float dot = 0;
                // Why simd: without it the compiler keeps the sum's order and runs it scalar.
#pragma omp simd reduction(+ : dot)
                for (int64_t c = 0; c < d.d; ++c) dot += qb[i * d.d + c] * kb[j * d.d + c];
                row[j] = d.scale * dot + (d.mask ? mask[b * d.mb + h * d.mh + i * d.mt + j] : 0.0f);
                top = std::max(top, row[j]);
            }
            float sum = 0;
            for (int64_t j = 0; j < keys; ++j) sum += row[j] = std::exp(row[j] - top);
            for (int64_t j = 0; j < keys; ++j) row[j] /= sum;
            std::fill(row + keys, row + d.s, 0.0f);
            float* out = yb + i * d.d;
            std::fill(out, out + d.d, 0.0f);
            for (int64_t j = 0; j < keys; ++j)
                for (int64_t c = 0; c < d.d; ++c) out[c] += row[j] * vb[j * d.d + c];
        }
    }
}

// Which of q, k, v want gradients; the others' are neither computed nor returned.
struct Wanted {
    bool q, k, v;
};

std::vector<Tensor> backward(Context& ctx, const Dims& d, const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& p,
                             const Wanted& want, const Tensor& dy) {
    Tensor dq = want.q ? ctx.zeros(DType::f32, q.shape()) : Tensor(), dk = want.k ? ctx.zeros(DType::f32, k.shape()) : Tensor(),
           dv = want.v ? ctx.zeros(DType::f32, v.shape()) : Tensor();
    const float *pq = q.data<float>(), *pk = k.data<float>(), *pv = v.data<float>(), *pp = p.data<float>(), *pg = dy.data<float>();
    float *gq = want.q ? dq.data<float>() : nullptr, *gk = want.k ? dk.data<float>() : nullptr,
          *gv = want.v ? dv.data<float>() : nullptr;
    const int64_t pairs = d.b * d.h;
#pragma omp parallel for schedule(static) if (pairs * d.t * d.s * d.d > 32768)
    for (int64_t bh = 0; bh < pairs; ++bh) {
        const float* qb = pq + bh * d.t * d.d;
        const float* kb = pk + bh * d.s * d.d;
        const float* vb = pv + bh * d.s * d.d;
        const float* pb = pp + bh * d.t * d.s;
        const float* gb = pg + bh * d.t * d.d;
        float* gqb = gq ? gq + bh * d.t * d.d : nullptr;
        float* gkb = gk ? gk + bh * d.s * d.d : nullptr;
        float* gvb = gv ? gv + bh * d.s * d.d : nullptr;
        std::vector<float> ds(static_cast<std::size_t>(d.s));
        for (int64_t i = 0; i < d.t; ++i) {
            const float* row = pb + i * d.s;
            const float* g = gb + i * d.d;
            float weighted = 0;  // rowsum(dp * p)
            for (int64_t j = 0; j < d.s; ++j) {
                float dp = 0;
#pragma omp simd reduction(+ : dp)
                for (int64_t c = 0; c < d.d; ++c) dp += g[c] * vb[j * d.d + c];
                ds[j] = dp;
                weighted += dp * row[j];
                if (gvb)
                    for (int64_t c = 0; c < d.d; ++c) gvb[j * d.d + c] += row[j] * g[c];
            }
            if (!gqb && !gkb) continue;  // ds only feeds dq and dk
            for (int64_t j = 0; j < d.s; ++j) {
                const float s = d.scale * row[j] * (ds[j] - weighted);
                if (s == 0.0f) continue;
                if (gqb)
                    for (int64_t c = 0; c < d.d; ++c) gqb[i * d.d + c] += s * kb[j * d.d + c];
                if (gkb)
                    for (int64_t c = 0; c < d.d; ++c) gkb[j * d.d + c] += s * qb[i * d.d + c];
            }
        }
    }
    return {dq, dk, dv, Tensor()};
}

std::vector<Tensor> attention(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Dims d = check(in, attrs);
    const Tensor &q = in[0], &k = in[1], &v = in[2];
    const Tensor mask = in.size() > 3 ? in[3] : Tensor();
    Tensor y = ctx.empty(DType::f32, q.shape());
    Tensor p = ctx.empty(DType::f32, {d.b, d.h, d.t, d.s});
    forward_loops(d, q.data<float>(), k.data<float>(), v.data<float>(), d.mask ? mask.data<float>() : nullptr, p.data<float>(),
                  y.data<float>());
    if (needs_grad(ctx, {q, k, v})) {
        const Wanted want{q.requires_grad(), k.requires_grad(), v.requires_grad()};
        record_op(ctx, name, {q, k, v, mask}, {y}, [d, q, k, v, p, want](Context& c, const std::vector<Tensor>& g) {
            return backward(c, d, q, k, v, p, want, g[0]);
        });
    }
    return {y};
}

}  // namespace

void register_attention(OpRegistry& r) {
    r.add({name, "attention(q[B,H,T,D], k[B,H,S,D], v[B,H,S,D], mask[T,S]|[B|1,H|1,T|1,S]?) -> y[B,H,T,D], softmax(scale q k^T + mask) v", 3, 4, 1, attention});
}

}  // namespace chimera
