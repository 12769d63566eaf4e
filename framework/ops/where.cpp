// where(cond, a, b) -> y: y = a where cond != 0, else b, for float32 cond, a, b whose shapes
// broadcast together (NumPy rules) to y's. cond is a mask (as the comparison ops give), not
// differentiated:  da = g [cond != 0],  db = g [cond == 0], each summed back to its input's shape
// and computed only when that input requires gradients. Saves cond.
#include "autograd/graph.hpp"
#include "ops/broadcast.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

namespace chimera {

namespace {

const char* const name = "where";

Shape check(const Tensor& cond, const Tensor& a, const Tensor& b) {
    expect_dtype(name, "cond", cond, DType::f32);
    expect_dtype(name, "a", a, DType::f32);
    expect_dtype(name, "b", b, DType::f32);
    return broadcast_shapes(name, cond.shape(), broadcast_shapes(name, a.shape(), b.shape()));
}

Tensor select(Context& ctx, const Tensor& cond, const Tensor& a, const Tensor& b, const Shape& shape) {
    Tensor y = ctx.empty(DType::f32, shape);
    BroadcastRows rows(shape, {cond.shape(), a.shape(), b.shape()});
    const float *pc = cond.data<float>(), *pa = a.data<float>(), *pb = b.data<float>();
    float* py = y.data<float>();
    const int64_t length = rows.length(), sc = rows.step(0), sa = rows.step(1), sb = rows.step(2);
#pragma omp parallel for schedule(static) if (y.numel() > 32768)
    for (int64_t r = 0; r < rows.rows(); ++r) {
        const float* rc = pc + rows.offset(0, r);
        const float* ra = pa + rows.offset(1, r);
        const float* rb = pb + rows.offset(2, r);
        float* ry = py + r * length;
        for (int64_t j = 0; j < length; ++j) ry[j] = rc[j * sc] != 0.0f ? ra[j * sa] : rb[j * sb];
    }
    return y;
}

struct Saved {
    Tensor cond;
    Shape a_shape, b_shape;
    bool want_a, want_b;
};

std::vector<Tensor> backward(Context& ctx, const Saved& s, const Tensor& g) {
    Tensor da, db;
    if (s.want_a) {
        Tensor masked = broadcast_apply(ctx, s.cond, g, g.shape(), [](float c, float v) { return c != 0.0f ? v : 0.0f; });
        da = sum_to_shape(ctx, masked, s.a_shape);
    }
    if (s.want_b) {
        Tensor masked = broadcast_apply(ctx, s.cond, g, g.shape(), [](float c, float v) { return c != 0.0f ? 0.0f : v; });
        db = sum_to_shape(ctx, masked, s.b_shape);
    }
    return {Tensor(), da, db};
}

std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs&) {
    const Tensor &cond = in[0], &a = in[1], &b = in[2];
    const Shape shape = check(cond, a, b);
    Tensor y = select(ctx, cond, a, b, shape);
    if (needs_grad(ctx, {a, b})) {
        Saved s{cond, a.shape(), b.shape(), a.requires_grad(), b.requires_grad()};
        record_op(ctx, name, {Tensor(), a, b}, {y}, [s](Context& c, const std::vector<Tensor>& g) {
            return backward(c, s, g[0]);
        });
    }
    return {y};
}

}  // namespace

void register_where(OpRegistry& r) {
    r.add({name, "where(cond, a, b) -> y, a where cond != 0 else b, shapes broadcast", 3, 3, 1, forward, 0, {}});
}

}  // namespace chimera
