// add, sub, mul, div of two float32 tensors with NumPy broadcasting:  a[...], b[...] -> y[broadcast].
//   d(a+b) = (g, g);  d(a-b) = (g, -g);  d(a*b) = (g b, g a);  d(a/b) = (g / b, -g a / b^2),
// each summed back to its input's shape. Plain loops: oneDNN's binary primitive would need a
// primitive per broadcast pattern for little gain at these sizes. Saves a and b for mul and div.
#include "autograd/graph.hpp"
#include "ops/broadcast.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

namespace chimera {

namespace {

enum Kind { add_kind, sub_kind, mul_kind, div_kind };
const char* const names[] = {"add", "sub", "mul", "div"};

// One row of a broadcast: SA / SB are the inputs' steps (0 repeats, 1 runs along).
template <int SA, int SB, class F>
void apply_row(const float* a, const float* b, float* y, int64_t n, F f) {
    for (int64_t j = 0; j < n; ++j) y[j] = f(a[j * SA], b[j * SB]);
}

template <class F>
Tensor apply(Context& ctx, const Tensor& a, const Tensor& b, const Shape& shape, F f) {
    Tensor y = ctx.empty(DType::f32, shape);
    BroadcastRows rows(shape, {a.shape(), b.shape()});
    const float* pa = a.data<float>();
    const float* pb = b.data<float>();
    float* py = y.data<float>();
    const int64_t n = y.numel();
    if (rows.identity()) {
#pragma omp parallel for simd schedule(static) if (n > 32768)
        for (int64_t i = 0; i < n; ++i) py[i] = f(pa[i], pb[i]);
        return y;
    }
    const int64_t length = rows.length();
    const int kind = 2 * static_cast<int>(rows.step(0)) + static_cast<int>(rows.step(1));
#pragma omp parallel for schedule(static) if (n > 32768)
    for (int64_t r = 0; r < rows.rows(); ++r) {
        const float* ra = pa + rows.offset(0, r);
        const float* rb = pb + rows.offset(1, r);
        float* ry = py + r * length;
        switch (kind) {
        case 3: apply_row<1, 1>(ra, rb, ry, length, f); break;
        case 2: apply_row<1, 0>(ra, rb, ry, length, f); break;
        case 1: apply_row<0, 1>(ra, rb, ry, length, f); break;
        default: apply_row<0, 0>(ra, rb, ry, length, f); break;
        }
    }
    return y;
}

Tensor compute(Context& ctx, Kind kind, const Tensor& a, const Tensor& b, const Shape& shape) {
    switch (kind) {
    case add_kind: return apply(ctx, a, b, shape, [](float x, float y) { return x + y; });
    case sub_kind: return apply(ctx, a, b, shape, [](float x, float y) { return x - y; });
    case mul_kind: return apply(ctx, a, b, shape, [](float x, float y) { return x * y; });
    default: return apply(ctx, a, b, shape, [](float x, float y) { return x / y; });
    }
}

std::vector<Tensor> backward(Context& ctx, Kind kind, const Tensor& a, const Tensor& b, const Tensor& g) {
    const Shape& s = g.shape();
    Tensor da, db;
    switch (kind) {
    case add_kind:
        da = g;
        db = g;
        break;
    case sub_kind:
        da = g;
        db = apply(ctx, g, g, s, [](float x, float) { return -x; });
        break;
    case mul_kind:
        da = compute(ctx, mul_kind, g, b, s);
        db = compute(ctx, mul_kind, g, a, s);
        break;
    case div_kind: {
        da = compute(ctx, div_kind, g, b, s);
        Tensor ga = compute(ctx, mul_kind, g, a, s);
        Tensor bb = compute(ctx, mul_kind, b, b, b.shape());
        db = apply(ctx, ga, bb, s, [](float x, float y) { return -x / y; });
        break;
    }
    }
    return {a.requires_grad() ? sum_to_shape(ctx, da, a.shape()) : Tensor(),
            b.requires_grad() ? sum_to_shape(ctx, db, b.shape()) : Tensor()};
}

template <Kind K>
std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs&) {
    const Tensor& a = in[0];
    const Tensor& b = in[1];
    expect_dtype(names[K], "a", a, DType::f32);
    expect_dtype(names[K], "b", b, DType::f32);
    Shape shape = broadcast_shapes(names[K], a.shape(), b.shape());
    Tensor y = compute(ctx, K, a, b, shape);
    if (needs_grad(ctx, {a, b}))
        record_op(ctx, names[K], {a, b}, {y}, [a, b](Context& c, const std::vector<Tensor>& g) {
            return backward(c, K, a, b, g[0]);
        });
    return {y};
}

template <Kind K>
OpDef def() {
    return {names[K], std::string(names[K]) + "(a, b) -> y, shapes broadcast", 2, 2, 1, forward<K>};
}

}  // namespace

void register_binary(OpRegistry& r) {
    r.add(def<add_kind>());
    r.add(def<sub_kind>());
    r.add(def<mul_kind>());
    r.add(def<div_kind>());
}

}  // namespace chimera
