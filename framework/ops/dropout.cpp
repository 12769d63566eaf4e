// dropout(x) -> y, x's shape; attributes p (default 0.5), training (1|0, default 1). Inverted
//   dropout: y = x m, m[i] = 1 / (1 - p) with probability 1 - p, else 0 (all 0 when p = 1);
//   dx = dy m. The mask comes from the context's next Philox stream, element i from counter i
//   alone, so it is the same for any thread count. p = 0 or training = 0 returns x itself:
//   no random stream is used and nothing is recorded. Saves the scaled mask m.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

#include <sstream>

namespace chimera {

namespace {

const char* const name = "dropout";

double check(const Tensor& x, const Attrs& attrs) {
    expect_dtype(name, "input x", x, DType::f32);
    const double p = attrs.empty() ? 0.5 : attrs[0];
    if (!(p >= 0.0 && p <= 1.0)) {
        std::ostringstream s;
        s << name << ": p must lie in [0, 1], got " << p;
        throw ShapeError(s.str());
    }
    return p;
}

std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = in[0];
    const double p = check(x, attrs);
    const bool training = attrs.size() < 2 || int_attr(name, attrs, 1, "training", 0, 1) == 1;
    if (!training || p == 0.0) return {x};

    const int64_t n = x.numel();
    Tensor mask = ctx.empty(DType::f32, x.shape());
    float* m = mask.data<float>();
    philox_uniform(ctx.device().next_random_stream(), m, n, ctx.device().random_offset(x.shape()));
    // u is a multiple of 2^-24 in (0, 1], exact in double: P(u > p) = 1 - p to within 2^-24.
    // The scale is PyTorch's: the float reciprocal of the float 1 - p.
    const float scale = p < 1.0 ? 1.0f / static_cast<float>(1.0 - p) : 0.0f;
    for (int64_t i = 0; i < n; ++i) m[i] = static_cast<double>(m[i]) > p ? scale : 0.0f;

    Tensor y = ctx.empty(DType::f32, x.shape());
    const float* xs = x.data<float>();
    float* ys = y.data<float>();
    for (int64_t i = 0; i < n; ++i) ys[i] = xs[i] * m[i];

    if (needs_grad(ctx, {x})) {
        record_op(ctx, name, {x}, {y}, [mask](Context& c, const std::vector<Tensor>& g) {
            Tensor dx = c.empty(DType::f32, mask.shape());
            const float* dy = g[0].data<float>();
            const float* mk = mask.data<float>();
            float* d = dx.data<float>();
            for (int64_t i = 0, count = mask.numel(); i < count; ++i) d[i] = dy[i] * mk[i];
            return std::vector<Tensor>{dx};
        });
    }
    return {y};
}

}  // namespace

void register_dropout(OpRegistry& r) {
    r.add({name, "dropout(x) -> y, x's shape, elements zeroed with probability p, the rest scaled", 1, 1, 1, forward});
}

}  // namespace chimera
