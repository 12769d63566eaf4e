// concat(x0, x1, ..., axis = 0) -> y: 1 to 16 tensors of one dtype (f32 or i32) and rank whose
// shapes match except along `axis`, joined along it (y.shape[axis] = sum of theirs).
// Saves the inputs' sizes along the axis; backward slices the gradient into one piece per input.
// Not stack (no new axis).
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

#include <algorithm>

namespace chimera {

namespace {

constexpr int max_inputs = 16;

// The layout both directions share: y viewed as [outer, total * inner], input k as
// [outer, sizes[k] * inner], starting at column offsets[k] * inner of each y row.
struct Layout {
    int64_t outer = 1, inner = 1, total = 0;
    std::vector<int64_t> sizes, offsets;
};

Layout layout_of(const Shape& shape, int axis, const std::vector<int64_t>& sizes) {
    Layout l;
    for (int d = 0; d < axis; ++d) l.outer *= shape[d];
    for (std::size_t d = axis + 1; d < shape.size(); ++d) l.inner *= shape[d];
    l.sizes = sizes;
    for (int64_t s : sizes) {
        l.offsets.push_back(l.total);
        l.total += s;
    }
    return l;
}

// Copies piece k between its own tensor and its columns of y, in the direction `to_y`.
void copy_piece(const Layout& l, std::size_t k, uint32_t* piece, uint32_t* y, bool to_y) {
    const int64_t chunk = l.sizes[k] * l.inner, row = l.total * l.inner;
    const int64_t column = l.offsets[k] * l.inner;
#pragma omp parallel for schedule(static) if (l.outer * chunk > 32768 && l.outer > 1)
    for (int64_t o = 0; o < l.outer; ++o) {
        if (to_y)
            std::copy_n(piece + o * chunk, chunk, y + o * row + column);
        else
            std::copy_n(y + o * row + column, chunk, piece + o * chunk);
    }
}

std::vector<Tensor> concat(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    for (std::size_t k = 0; k < in.size(); ++k)
        if (!in[k].defined())
            throw ShapeError("concat: input " + std::to_string(k) + " is missing");
    const Tensor& first = in[0];
    const int axis = normalise_axis(
        "concat", attrs.empty() ? 0 : int_attr("concat", attrs, 0, "axis", -64, 64), first.rank());
    std::vector<int64_t> sizes;
    for (std::size_t k = 0; k < in.size(); ++k) {
        const Tensor& x = in[k];
        bool match = x.dtype() == first.dtype() && x.rank() == first.rank();
        for (int d = 0; match && d < x.rank(); ++d) match = d == axis || x.dim(d) == first.dim(d);
        if (!match)
            throw ShapeError("concat: input " + std::to_string(k) + " is " + describe(x) +
                             " but input 0 is " + describe(first) +
                             "; dtypes, ranks and sizes must match except along axis " +
                             std::to_string(axis));
        sizes.push_back(x.dim(axis));
    }
    Layout l = layout_of(first.shape(), axis, sizes);
    Shape shape = first.shape();
    shape[axis] = l.total;
    Tensor y = ctx.empty(first.dtype(), shape);
    auto* py = static_cast<uint32_t*>(y.raw());
    for (std::size_t k = 0; k < in.size(); ++k)
        copy_piece(l, k, static_cast<uint32_t*>(in[k].raw()), py, true);

    if (needs_grad(ctx, in)) {
        std::vector<Shape> shapes;
        std::vector<bool> wanted;
        for (const Tensor& x : in) {
            shapes.push_back(x.shape());
            wanted.push_back(x.requires_grad());
        }
        auto backward = [l, shapes, wanted](Context& c, const std::vector<Tensor>& g) {
            std::vector<Tensor> grads(shapes.size());
            for (std::size_t k = 0; k < shapes.size(); ++k) {
                if (!wanted[k]) continue;
                grads[k] = c.empty(DType::f32, shapes[k]);
                copy_piece(l, k, static_cast<uint32_t*>(grads[k].raw()),
                           static_cast<uint32_t*>(g[0].raw()), false);
            }
            return grads;
        };
        record_op(ctx, "concat", in, {y}, backward);
    }
    return {y};
}

}  // namespace

void register_concat(OpRegistry& r) {
    r.add({"concat", "concat(x0, x1, ...) -> y joined along axis (shapes match elsewhere)", 1, max_inputs, 1, concat});
}

}  // namespace chimera
