// add, sub, mul, div, maximum, minimum of two float32 tensors with NumPy broadcasting:
//   a[...], b[...] -> y[broadcast].
//   d(a+b) = (g, g);  d(a-b) = (g, -g);  d(a*b) = (g b, g a);  d(a/b) = (g / b, -g a / b^2),
//   d max(a,b) = (g [a>b], g [b>a]), and g/2 to each where a == b (torch.maximum's rule); min alike,
// each summed back to its input's shape, and computed only for an input that requires gradients.
// Plain loops: oneDNN's binary primitive would need a primitive per broadcast pattern for little
// gain at these sizes. Saves a and b for mul, div, maximum and minimum.
#include "autograd/graph.hpp"
#include "ops/broadcast.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

namespace chimera {

namespace {

enum Kind { add_kind, sub_kind, mul_kind, div_kind, max_kind, min_kind };
const char* const names[] = {"add", "sub", "mul", "div", "maximum", "minimum"};

template <class F>
Tensor apply(Context& ctx, const Tensor& a, const Tensor& b, const Shape& shape, F f) {
    return broadcast_apply(ctx, a, b, shape, f);
}

Tensor compute(Context& ctx, Kind kind, const Tensor& a, const Tensor& b, const Shape& shape) {
    switch (kind) {
    case add_kind: return apply(ctx, a, b, shape, [](float x, float y) { return x + y; });
    case sub_kind: return apply(ctx, a, b, shape, [](float x, float y) { return x - y; });
    case mul_kind: return apply(ctx, a, b, shape, [](float x, float y) { return x * y; });
    case div_kind: return apply(ctx, a, b, shape, [](float x, float y) { return x / y; });
    // A NaN on either side is the result, as torch.maximum and torch.minimum give it.
    case max_kind: return apply(ctx, a, b, shape, [](float x, float y) { return (y != y || x < y) ? y : x; });
    default: return apply(ctx, a, b, shape, [](float x, float y) { return (y != y || y < x) ? y : x; });
    }
}

// The share of g that goes to `mine` against `other` for maximum (Larger) or minimum: all of it
// when mine wins, half on a tie, none when it loses.
template <bool Larger>
Tensor select_grad(Context& ctx, const Tensor& g, const Tensor& mine, const Tensor& other) {
    Tensor won = apply(ctx, mine, other, g.shape(), [](float m, float o) {
        return m == o ? 0.5f : ((Larger ? m > o : m < o) ? 1.0f : 0.0f);
    });
    return compute(ctx, mul_kind, g, won, g.shape());
}

// What backward keeps: the inputs it reads (undefined when it reads none), their shapes, and
// which gradients are wanted.
struct Saved {
    Tensor a, b;
    Shape a_shape, b_shape;
    bool want_a, want_b;
};

// The gradients of a (when want_a) and b (when want_b), each summed back to its shape.
std::vector<Tensor> backward(Context& ctx, Kind kind, const Saved& saved, const Tensor& g) {
    const Tensor &a = saved.a, &b = saved.b;
    const bool want_a = saved.want_a, want_b = saved.want_b;
    const Shape& s = g.shape();
    Tensor da, db;
    switch (kind) {
    case add_kind:
        da = g;
        db = g;
        break;
    case sub_kind:
        da = g;
        if (want_b) db = apply(ctx, g, g, s, [](float x, float) { return -x; });
        break;
    case mul_kind:
        if (want_a) da = compute(ctx, mul_kind, g, b, s);
        if (want_b) db = compute(ctx, mul_kind, g, a, s);
        break;
    case div_kind:
        if (want_a) da = compute(ctx, div_kind, g, b, s);
        if (want_b) {
            Tensor ga = compute(ctx, mul_kind, g, a, s);
            Tensor bb = compute(ctx, mul_kind, b, b, b.shape());
            db = apply(ctx, ga, bb, s, [](float x, float y) { return -x / y; });
        }
        break;
    case max_kind:
    case min_kind:
        if (want_a) da = kind == max_kind ? select_grad<true>(ctx, g, a, b) : select_grad<false>(ctx, g, a, b);
        if (want_b) db = kind == max_kind ? select_grad<true>(ctx, g, b, a) : select_grad<false>(ctx, g, b, a);
        break;
    }
    return {want_a ? sum_to_shape(ctx, da, saved.a_shape) : Tensor(),
            want_b ? sum_to_shape(ctx, db, saved.b_shape) : Tensor()};
}

template <Kind K>
std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs&) {
    const Tensor& a = in[0];
    const Tensor& b = in[1];
    expect_dtype(names[K], "a", a, DType::f32);
    expect_dtype(names[K], "b", b, DType::f32);
    Shape shape = broadcast_shapes(names[K], a.shape(), b.shape());
    Tensor y = compute(ctx, K, a, b, shape);
    if (needs_grad(ctx, {a, b})) {
        const bool want_a = a.requires_grad(), want_b = b.requires_grad();
        // add and sub read neither input; mul reads only the other one's, div reads b always.
        const bool keep_a = K == max_kind || K == min_kind || ((K == mul_kind || K == div_kind) && want_b);
        const bool keep_b = K == max_kind || K == min_kind || K == div_kind || (K == mul_kind && want_a);
        Saved saved{keep_a ? a : Tensor(), keep_b ? b : Tensor(), a.shape(), b.shape(), want_a, want_b};
        record_op(ctx, names[K], {a, b}, {y}, [saved](Context& c, const std::vector<Tensor>& g) {
            return backward(c, K, saved, g[0]);
        });
    }
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
    r.add(def<max_kind>());
    r.add(def<min_kind>());
}

}  // namespace chimera
