#include "ops/pool2d.hpp"

#include "ops/op_support.hpp"

namespace chimera {

std::vector<double> Pool2dShape::attrs() const {
    return {double(kh), double(kw), double(sh), double(sw), double(ph), double(pw)};
}

Pool2dShape pool2d_shape(const std::string& op, const Tensor& x, const Attrs& attrs) {
    expect_rank(op, "input x", x, 4);
    expect_dtype(op, "input x", x, DType::f32);
    auto attr_or = [&](std::size_t i, const char* what, int64_t fallback, int64_t lo) {
        return int_attr_or(op, attrs, i, what, fallback, lo, max_geometry);
    };
    Pool2dShape s;
    s.x = x.shape();
    s.kh = attr_or(0, "kernel_h", 1, 1);
    s.kw = attr_or(1, "kernel_w", 1, 1);
    s.sh = attr_or(2, "stride_h", s.kh, 1);
    s.sw = attr_or(3, "stride_w", s.kw, 1);
    s.ph = attr_or(4, "pad_h", 0, 0);
    s.pw = attr_or(5, "pad_w", 0, 0);
    // As PyTorch: a window must always hold a real element, which also keeps averages defined.
    if (2 * s.ph > s.kh || 2 * s.pw > s.kw)
        throw ShapeError(op + ": padding " + pair_text(s.ph, s.pw) +
                         " must be at most half the kernel " + pair_text(s.kh, s.kw));
    const int64_t in_h = x.dim(2) + 2 * s.ph, in_w = x.dim(3) + 2 * s.pw;
    if (s.kh > in_h || s.kw > in_w)
        throw ShapeError(op + ": kernel " + pair_text(s.kh, s.kw) +
                         " is larger than the padded input " + pair_text(in_h, in_w) + "; x " +
                         describe(x) + ", padding " + pair_text(s.ph, s.pw));
    s.y = {x.dim(0), x.dim(1), (in_h - s.kh) / s.sh + 1, (in_w - s.kw) / s.sw + 1};
    return s;
}

Pool2dPrimitives& pool2d_primitives(Context& ctx, const std::string& op, const Pool2dShape& s, dnnl::algorithm alg) {
    std::vector<double> key_attrs = s.attrs();
    key_attrs.push_back(static_cast<double>(alg));
    return ctx.device().primitives().get<Pool2dPrimitives>(cache_key(op, {s.x}, key_attrs), [&] {
        using namespace dnnl;
        dnnl::engine& engine = ctx.device().engine();
        const auto x_md = plain_desc(s.x), y_md = plain_desc(s.y);
        pooling_forward::primitive_desc fwd_pd(
            {prop_kind::forward_training, alg, x_md, y_md, s.strides(), s.kernel(), s.padding(), s.padding()}, engine);
        pooling_backward::primitive_desc bwd_pd({alg, x_md, y_md, s.strides(), s.kernel(), s.padding(), s.padding()}, engine,
                                                fwd_pd);
        return Pool2dPrimitives{fwd_pd, pooling_forward(fwd_pd), pooling_backward(bwd_pd)};
    });
}

}  // namespace chimera
