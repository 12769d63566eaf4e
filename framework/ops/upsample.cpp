// upsample_nearest and upsample_bilinear of x[N,C,H,W] by integer factors (attribute scale[2]:
// sh, sw) -> y[N,C,H*sh,W*sw], on oneDNN's resampling primitive; as PyTorch's F.interpolate with
// scale_factor and mode "nearest" (y[i,j] = x[i div sh, j div sw]) or "bilinear" with
// align_corners false (source coordinate (i + 0.5) / sh - 0.5, clamped to the edge, and linear
// weights between the two nearest rows and columns). One family: the two differ in the oneDNN
// algorithm. Backward is oneDNN's resampling backward (each x gathers its weighted share of dy);
// it needs no saved tensor, only the shapes.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/op_support.hpp"

namespace chimera {

namespace {

struct UpsampleKind {
    const char* name;
    dnnl::algorithm alg;
};
const UpsampleKind kinds[] = {
    {"upsample_nearest", dnnl::algorithm::resampling_nearest},
    {"upsample_bilinear", dnnl::algorithm::resampling_linear},
};

struct UpsamplePrimitives {
    dnnl::resampling_forward fwd;
    dnnl::resampling_backward bwd;
};

Shape check(const UpsampleKind& k, const Tensor& x, const Attrs& attrs) {
    expect_rank(k.name, "input x", x, 4);
    expect_dtype(k.name, "input x", x, DType::f32);
    const int64_t sh = int_attr(k.name, attrs, 0, "scale_h", 1, 1 << 12);
    const int64_t sw = int_attr_or(k.name, attrs, 1, "scale_w", sh, 1, 1 << 12);
    return {x.dim(0), x.dim(1), x.dim(2) * sh, x.dim(3) * sw};
}

UpsamplePrimitives& primitives(Context& ctx, const UpsampleKind& k, const Shape& x, const Shape& y) {
    return ctx.device().primitives().get<UpsamplePrimitives>(cache_key(k.name, {x, y}), [&] {
        using namespace dnnl;
        auto x_md = plain_desc(x), y_md = plain_desc(y);
        resampling_forward::primitive_desc fwd_pd({prop_kind::forward_training, k.alg, x_md, y_md}, ctx.device().engine());
        resampling_backward::primitive_desc bwd_pd({k.alg, x_md, y_md}, ctx.device().engine(), fwd_pd);
        return UpsamplePrimitives{resampling_forward(fwd_pd), resampling_backward(bwd_pd)};
    });
}

template <int K>
std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const UpsampleKind& k = kinds[K];
    const Tensor& x = in[0];
    const Shape y_shape = check(k, x, attrs);
    Tensor y = ctx.empty(DType::f32, y_shape);
    if (x.numel() == 0) return {y};
    UpsamplePrimitives& p = primitives(ctx, k, x.shape(), y_shape);
    p.fwd.execute(ctx.device().stream(), {{DNNL_ARG_SRC, plain_memory(ctx, x)}, {DNNL_ARG_DST, plain_memory(ctx, y)}});
    if (needs_grad(ctx, {x})) {
        const Shape x_shape = x.shape();
        record_op(ctx, k.name, {x}, {y}, [x_shape, y_shape](Context& c, const std::vector<Tensor>& g) {
            UpsamplePrimitives& q = primitives(c, kinds[K], x_shape, y_shape);
            Tensor dx = c.empty(DType::f32, x_shape);
            q.bwd.execute(c.device().stream(),
                          {{DNNL_ARG_DIFF_DST, plain_memory(c, g[0])}, {DNNL_ARG_DIFF_SRC, plain_memory(c, dx)}});
            return std::vector<Tensor>{dx};
        });
    }
    return {y};
}

template <int K>
OpDef def() {
    const UpsampleKind& k = kinds[K];
    return {k.name, std::string(k.name) + "(x[N,C,H,W]) -> y[N,C,H*scale_h,W*scale_w]", 1, 1, 1, forward<K>, 0, {}};
}

}  // namespace

void register_upsample(OpRegistry& r) {
    r.add(def<0>());
    r.add(def<1>());
}

}  // namespace chimera
