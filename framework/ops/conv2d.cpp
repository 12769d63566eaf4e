// conv2d(x[N,C,H,W], w[O,C/g,kh,kw], b[O]?) -> y[N,O,OH,OW], PyTorch's conv2d on oneDNN's direct
// convolution: y[n,o,i,j] = b[o] + sum over c in o's group, p, q of
//   x[n, c, i*sh - ph + p*dh, j*sw - pw + q*dw] * w[o, c mod C/g, p, q]   (zero outside x),
//   OH = (H + 2 ph - dh (kh-1) - 1) / sh + 1, rounded down; likewise OW.
// Saves x (for dw) and w (for dx). Not a layout owner: the primitives pick theirs and tensors
// are reordered to them.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/conv_like.hpp"
#include "ops/op_support.hpp"

namespace chimera {

namespace {

const char* const name = "conv2d";

using dnnl::memory;

// The shapes and PyTorch's attributes of one call: what the primitives are built from.
struct Conv2dShape {
    Shape x, w, y;
    int64_t sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1;

    std::vector<double> attrs() const {
        return {double(sh), double(sw), double(ph), double(pw), double(dh), double(dw), double(groups)};
    }
};

int64_t attr_or(const Attrs& attrs, std::size_t i, const char* what, int64_t fallback, int64_t lo) {
    return int_attr_or(name, attrs, i, what, fallback, lo, max_geometry);
}

Conv2dShape check(const Tensor& x, const Tensor& w, const Tensor& b, const Attrs& attrs) {
    expect_rank(name, "input x", x, 4);
    expect_rank(name, "weight w", w, 4);
    expect_dtype(name, "input x", x, DType::f32);
    expect_dtype(name, "weight w", w, DType::f32);
    Conv2dShape s;
    s.x = x.shape();
    s.w = w.shape();
    s.sh = attr_or(attrs, 0, "stride_h", 1, 1);
    s.sw = attr_or(attrs, 1, "stride_w", 1, 1);
    s.ph = attr_or(attrs, 2, "pad_h", 0, 0);
    s.pw = attr_or(attrs, 3, "pad_w", 0, 0);
    s.dh = attr_or(attrs, 4, "dilation_h", 1, 1);
    s.dw = attr_or(attrs, 5, "dilation_w", 1, 1);
    s.groups = attr_or(attrs, 6, "groups", 1, 1);
    if (x.dim(1) % s.groups != 0 || w.dim(0) % s.groups != 0)
        throw ShapeError(std::string(name) + ": groups " + std::to_string(s.groups) +
                         " must divide the input channels of x " + describe(x) +
                         " and the output channels of w " + describe(w));
    if (x.dim(1) != w.dim(1) * s.groups)
        throw ShapeError(std::string(name) + ": x " + describe(x) + " has " + std::to_string(x.dim(1)) +
                         " channels but w " + describe(w) + " with groups " + std::to_string(s.groups) +
                         " expects " + std::to_string(w.dim(1) * s.groups));
    if (b.defined() && (b.rank() != 1 || b.dim(0) != w.dim(0)))
        throw ShapeError(std::string(name) + ": bias " + describe(b) + " must be [" +
                         std::to_string(w.dim(0)) + "] for w " + describe(w));
    const int64_t span_h = s.dh * (w.dim(2) - 1) + 1, span_w = s.dw * (w.dim(3) - 1) + 1;
    const int64_t in_h = x.dim(2) + 2 * s.ph, in_w = x.dim(3) + 2 * s.pw;
    if (span_h > in_h || span_w > in_w)
        throw ShapeError(std::string(name) + ": kernel " + pair_text(span_h, span_w) +
                         " (dilated) is larger than the padded input " + pair_text(in_h, in_w) +
                         "; x " + describe(x) + ", w " + describe(w) + ", padding " +
                         pair_text(s.ph, s.pw) + ", dilation " + pair_text(s.dh, s.dw));
    s.y = {x.dim(0), w.dim(0), (in_h - span_h) / s.sh + 1, (in_w - span_w) / s.sw + 1};
    return s;
}

// oneDNN's weights: [O, C/g, kh, kw] as oihw, or split by group as goihw (the same memory), or
// with the layout left to the primitive.
memory::desc weights_desc(const Conv2dShape& s, bool any) {
    const Shape& w = s.w;
    using tag = memory::format_tag;
    if (s.groups == 1)
        return {{w[0], w[1], w[2], w[3]}, memory::data_type::f32, any ? tag::any : tag::oihw};
    return {{s.groups, w[0] / s.groups, w[1], w[2], w[3]}, memory::data_type::f32,
            any ? tag::any : tag::goihw};
}

// The primitives' descriptors: what the forward and both backwards are built from alike.
struct Conv2dDescs {
    memory::desc x, w, b, y;
    memory::dims strides, dilates, pad;
};

Conv2dDescs descs(const Conv2dShape& s) {
    // A few input channels (an image) stay plain, in the backward too: padded to a 16-channel
    // block, the input gradient would cost 16 times its work.
    // oneDNN counts dilation from 0 (dense), PyTorch from 1.
    return {s.x[1] < 16 ? plain_desc(s.x) : any_desc(s.x), weights_desc(s, true), plain_desc({s.w[0]}), any_desc(s.y),
            {s.sh, s.sw}, {s.dh - 1, s.dw - 1}, {s.ph, s.pw}};
}

const auto alg = dnnl::algorithm::convolution_direct;

struct Conv2dPrimitives {
    dnnl::convolution_forward::primitive_desc fwd_pd;
    dnnl::convolution_forward fwd;
};
using Conv2dBackwardData = BackwardPrimitive<dnnl::convolution_backward_data::primitive_desc, dnnl::convolution_backward_data>;
using Conv2dBackwardWeights =
    BackwardPrimitive<dnnl::convolution_backward_weights::primitive_desc, dnnl::convolution_backward_weights>;

Conv2dPrimitives& primitives(Context& ctx, const Conv2dShape& s) {
    return ctx.device().primitives().get<Conv2dPrimitives>(cache_key(name, {s.x, s.w}, s.attrs()), [&] {
        using namespace dnnl;
        const Conv2dDescs d = descs(s);
        convolution_forward::primitive_desc fwd_pd(
            {prop_kind::forward_training, alg, d.x, d.w, d.b, d.y, d.strides, d.dilates, d.pad, d.pad},
            ctx.device().engine());
        return Conv2dPrimitives{fwd_pd, convolution_forward(fwd_pd)};
    });
}

Conv2dBackwardData& data_backward(Context& ctx, const Conv2dShape& s) {
    return ctx.device().primitives().get<Conv2dBackwardData>(cache_key("conv2d_backward_data", {s.x, s.w}, s.attrs()), [&] {
        using namespace dnnl;
        const Conv2dDescs d = descs(s);
        convolution_backward_data::primitive_desc pd({alg, d.x, d.w, d.y, d.strides, d.dilates, d.pad, d.pad},
                                                     ctx.device().engine(), primitives(ctx, s).fwd_pd);
        return Conv2dBackwardData{pd, convolution_backward_data(pd)};
    });
}

Conv2dBackwardWeights& weights_backward(Context& ctx, const Conv2dShape& s) {
    return ctx.device().primitives().get<Conv2dBackwardWeights>(cache_key("conv2d_backward_weights", {s.x, s.w}, s.attrs()), [&] {
        using namespace dnnl;
        const Conv2dDescs d = descs(s);
        convolution_backward_weights::primitive_desc pd({alg, d.x, d.w, d.b, d.y, d.strides, d.dilates, d.pad, d.pad},
                                                        ctx.device().engine(), primitives(ctx, s).fwd_pd);
        return Conv2dBackwardWeights{pd, convolution_backward_weights(pd)};
    });
}

std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = in[0];
    const Tensor& w = in[1];
    Tensor b = in.size() > 2 ? in[2] : Tensor();
    Conv2dShape s = check(x, w, b, attrs);
    Conv2dPrimitives& p = primitives(ctx, s);
    Tensor y = conv_like_forward(ctx, p, x, w, b, s.y, weights_desc(s, false), w.dim(0));
    if (needs_grad(ctx, {x, w, b})) {
        // Saved: x and w as given (plain), each only when the other's gradient is wanted.
        const ConvLikeSaved saved = conv_like_saved(x, w, b);
        record_op(ctx, name, {x, w, b}, {y}, [saved, s](Context& c, const std::vector<Tensor>& g) {
            return conv_like_backward(
                c, saved, [&]() -> Conv2dBackwardData& { return data_backward(c, s); },
                [&]() -> Conv2dBackwardWeights& { return weights_backward(c, s); }, g[0], weights_desc(s, false), s.w[0]);
        });
    }
    return {y};
}

}  // namespace

void register_conv2d(OpRegistry& r) {
    r.add({name, "conv2d(x[N,C,H,W], w[O,C/groups,kh,kw], b[O]?) -> y[N,O,OH,OW]", 2, 3, 1, forward});
}

}  // namespace chimera
