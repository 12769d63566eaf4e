// greater, greater_equal, less, less_equal, equal, not_equal of two float32 tensors with NumPy
// broadcasting:  a[...], b[...] -> y[broadcast], y = 1 where (a op b) holds, else 0 (float32, so
// a mask multiplies or feeds where() directly). One family: the ops differ by one comparison.
// Not differentiable (the result is piecewise constant): nothing is saved or recorded, and the
// result never requires gradients.
#include "ops/broadcast.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

namespace chimera {

namespace {

enum Kind { greater_kind, greater_equal_kind, less_kind, less_equal_kind, equal_kind, not_equal_kind };
const char* const names[] = {"greater", "greater_equal", "less", "less_equal", "equal", "not_equal"};

template <Kind K>
float holds(float a, float b) {
    switch (K) {
    case greater_kind: return a > b ? 1.0f : 0.0f;
    case greater_equal_kind: return a >= b ? 1.0f : 0.0f;
    case less_kind: return a < b ? 1.0f : 0.0f;
    case less_equal_kind: return a <= b ? 1.0f : 0.0f;
    case equal_kind: return a == b ? 1.0f : 0.0f;
    default: return a != b ? 1.0f : 0.0f;
    }
}

template <Kind K>
std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs&) {
    const Tensor& a = in[0];
    const Tensor& b = in[1];
    expect_dtype(names[K], "a", a, DType::f32);
    expect_dtype(names[K], "b", b, DType::f32);
    Shape shape = broadcast_shapes(names[K], a.shape(), b.shape());
    return {broadcast_apply(ctx, a, b, shape, holds<K>)};
}

template <Kind K>
OpDef def() {
    return {names[K], std::string(names[K]) + "(a, b) -> y, 1 where it holds else 0, shapes broadcast, no gradient",
            2, 2, 1, forward<K>, 0, {}};
}

}  // namespace

void register_compare(OpRegistry& r) {
    r.add(def<greater_kind>());
    r.add(def<greater_equal_kind>());
    r.add(def<less_kind>());
    r.add(def<less_equal_kind>());
    r.add(def<equal_kind>());
    r.add(def<not_equal_kind>());
}

}  // namespace chimera
