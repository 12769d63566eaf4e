// softmax and log_softmax of x along attribute axis (default -1), y with x's shape:
//   softmax:      y = exp(x - max) / sum exp(x - max),       dx = y (dy - sum dy y)
//   log_softmax:  y = x - max - log(sum exp(x - max)),       dx = dy - exp(y) sum dy
// (sums over the axis; the max shift keeps large x finite). One family in one file: the two
// differ only in the oneDNN primitive. x is seen as [outer, D, inner] (or [outer, D] when the
// axis is last). Saves y: both backwards are computed from the output.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

#include <algorithm>

namespace chimera {

namespace {

// The oneDNN primitives of each member of the family.
struct Softmax {
    static constexpr const char* name = "softmax";
    using Forward = dnnl::softmax_forward;
    using Backward = dnnl::softmax_backward;
};
struct LogSoftmax {
    static constexpr const char* name = "log_softmax";
    using Forward = dnnl::logsoftmax_forward;
    using Backward = dnnl::logsoftmax_backward;
};

template <class Kind>
struct Primitives {
    typename Kind::Forward fwd;
    typename Kind::Backward bwd;
};

// The axis the op runs along; a scalar counts as one element of rank 1, as in PyTorch.
int check(const char* name, const Tensor& x, const Attrs& attrs) {
    expect_dtype(name, "input x", x, DType::f32);
    int64_t axis = attrs.empty() ? -1 : int_attr(name, attrs, 0, "axis", -64, 64);
    return normalise_axis(name, axis, std::max(x.rank(), 1));
}

// x seen as [outer, D, inner] around `axis`, dropping inner when it is 1.
Shape around_axis(const Shape& x, int axis) {
    if (x.empty()) return {1, 1};
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; ++i) outer *= x[i];
    for (std::size_t i = axis + 1; i < x.size(); ++i) inner *= x[i];
    if (inner == 1) return {outer, x[axis]};
    return {outer, x[axis], inner};
}

template <class Kind>
Primitives<Kind>& primitives(Context& ctx, const Shape& view) {
    return ctx.device().primitives().get<Primitives<Kind>>(cache_key(Kind::name, {view}), [&] {
        using Fwd = typename Kind::Forward;
        using Bwd = typename Kind::Backward;
        auto md = plain_desc(view);
        typename Fwd::primitive_desc fwd_pd({dnnl::prop_kind::forward_training, md, 1}, ctx.device().engine());
        typename Bwd::primitive_desc bwd_pd({md, md, 1}, ctx.device().engine(), fwd_pd);
        return Primitives<Kind>{Fwd(fwd_pd), Bwd(bwd_pd)};
    });
}

template <class Kind>
std::vector<Tensor> backward(Context& ctx, const Tensor& y, const Shape& view, const Tensor& dy);

template <class Kind>
std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = in[0];
    const int axis = check(Kind::name, x, attrs);
    Tensor y = ctx.empty(DType::f32, x.shape());
    if (x.numel() == 0) return {y};
    Shape view = around_axis(x.shape(), axis);
    Primitives<Kind>& p = primitives<Kind>(ctx, view);
    auto md = plain_desc(view);
    p.fwd.execute(ctx.device().stream(), {{DNNL_ARG_SRC, plain_memory(ctx, x, md)},
                                 {DNNL_ARG_DST, plain_memory(ctx, y, md)}});
    if (needs_grad(ctx, {x})) {
        record_op(ctx, Kind::name, {x}, {y}, [y, view](Context& c, const std::vector<Tensor>& g) {
            return backward<Kind>(c, y, view, g[0]);
        });
    }
    return {y};
}

template <class Kind>
std::vector<Tensor> backward(Context& ctx, const Tensor& y, const Shape& view, const Tensor& dy) {
    Primitives<Kind>& p = primitives<Kind>(ctx, view);
    auto md = plain_desc(view);
    Tensor dx = ctx.empty(DType::f32, y.shape());
    p.bwd.execute(ctx.device().stream(), {{DNNL_ARG_DST, plain_memory(ctx, y, md)},
                                 {DNNL_ARG_DIFF_DST, plain_memory(ctx, dy, md)},
                                 {DNNL_ARG_DIFF_SRC, plain_memory(ctx, dx, md)}});
    return {dx};
}

}  // namespace

void register_softmax(OpRegistry& r) {
    r.add({Softmax::name, "softmax(x) -> y, x's shape, rows along the axis summing to 1", 1, 1, 1, forward<Softmax>});
    r.add({LogSoftmax::name, "log_softmax(x) -> y, x's shape, the log of softmax along the axis", 1, 1, 1, forward<LogSoftmax>});
}

}  // namespace chimera
