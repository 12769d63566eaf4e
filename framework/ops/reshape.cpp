// reshape(x, dims...) -> y with the same elements in a new shape (one dim may be -1, inferred);
// flatten(x, start_axis=1) -> y merging every dimension from start_axis on.
// Both copy nothing forward (views of the same storage); backward reshapes the gradient back.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

namespace chimera {

namespace {

Tensor view_as(Context& ctx, const std::string& op, const Tensor& x, const Shape& shape) {
    if (numel(shape) != x.numel())
        throw ShapeError(op + ": cannot view " + describe(x) + " (" + std::to_string(x.numel()) +
                         " elements) as " + shape_text(shape));
    Tensor y = x.reshaped(shape);
    if (needs_grad(ctx, {x})) {
        Shape x_shape = x.shape();
        record_op(ctx, op, {x}, {y}, [x_shape](Context&, const std::vector<Tensor>& g) {
            return std::vector<Tensor>{g[0].reshaped(x_shape)};
        });
    }
    return y;
}

std::vector<Tensor> reshape(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = in[0];
    Shape shape;
    int inferred = -1;
    int64_t known = 1;
    for (std::size_t i = 0; i < attrs.size(); ++i) {
        int64_t d = int_attr("reshape", attrs, i, "dimension", -1, int64_t(1) << 40);
        if (d == -1) {
            if (inferred >= 0) throw ShapeError("reshape: only one dimension may be -1");
            inferred = static_cast<int>(i);
        } else {
            known *= d;
        }
        shape.push_back(d);
    }
    if (inferred >= 0) {
        if (known == 0 || x.numel() % known != 0)
            throw ShapeError("reshape: cannot infer -1 viewing " + describe(x) + " as " + shape_text(shape));
        shape[inferred] = x.numel() / known;
    }
    return {view_as(ctx, "reshape", x, shape)};
}

std::vector<Tensor> flatten(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = in[0];
    int start = attrs.empty() ? 1 : normalise_axis("flatten", int_attr("flatten", attrs, 0, "start_axis", -8, 8), x.rank());
    Shape shape(x.shape().begin(), x.shape().begin() + start);
    int64_t rest = 1;
    for (int d = start; d < x.rank(); ++d) rest *= x.dim(d);
    shape.push_back(rest);
    return {view_as(ctx, "flatten", x, shape)};
}

}  // namespace

void register_reshape(OpRegistry& r) {
    r.add({"reshape", "reshape(x) -> y with the given dims (one may be -1)", 1, 1, 1, reshape});
    r.add({"flatten", "flatten(x) -> y merging dims from start_axis on", 1, 1, 1, flatten});
}

}  // namespace chimera
