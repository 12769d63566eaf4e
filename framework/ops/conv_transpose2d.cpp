// conv_transpose2d(x[N,C,H,W], w[C,O/g,kh,kw], b[O]?) -> y[N,O,OH,OW], PyTorch's conv_transpose2d
// (the gradient of conv2d with respect to its input) on oneDNN's deconvolution:
//   y[n,o,i,j] = b[o] + sum over c in o's group, h, v, p, q with i = h*sh - ph + p*dh and
//   j = v*sw - pw + q*dw of x[n,c,h,v] * w[c, o mod O/g, p, q],
//   OH = (H-1) sh - 2 ph + dh (kh-1) + output_pad_h + 1; likewise OW. Saves x (for dw) and w
// (for dx), and computes each gradient only for an input that requires it.
#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "ops/conv_like.hpp"
#include "ops/op_support.hpp"

#include <algorithm>

namespace chimera {

namespace {

const char* const name = "conv_transpose2d";

using dnnl::memory;

// The shapes and PyTorch's attributes of one call: what the primitives are built from.
struct ConvTranspose2dShape {
    Shape x, w, y;
    int64_t sh = 1, sw = 1, ph = 0, pw = 0, oph = 0, opw = 0, groups = 1, dh = 1, dw = 1;

    std::vector<double> attrs() const {
        return {double(sh), double(sw), double(ph), double(pw), double(oph),
                double(opw), double(groups), double(dh), double(dw)};
    }
};

int64_t attr_or(const Attrs& attrs, std::size_t i, const char* what, int64_t fallback, int64_t lo) {
    return int_attr_or(name, attrs, i, what, fallback, lo, max_geometry);
}

// oneDNN describes the output's end padding as pad_r, checking H == (OH - span + pad + pad_r) /
// stride + 1 (rounded down) and pad_r > -stride. Output padding is end padding taken back, so
// pad_r = pad - output_pad, raised within the rounding's slack when that is too negative (the
// values are the same: the tests against direct loops cover it).
int64_t end_padding(int64_t pad, int64_t output_pad, int64_t stride) {
    return std::max(pad - output_pad, 1 - stride);
}

void check_output_pad(int64_t output_pad, int64_t stride, int64_t dilation, int64_t pad,
                      const char* axis) {
    const std::string what =
        std::string(name) + ": output_pad_" + axis + " " + std::to_string(output_pad);
    if (output_pad >= stride && output_pad >= dilation)
        throw ShapeError(what + " must be smaller than stride_" + axis + " " + std::to_string(stride) +
                         " or dilation_" + axis + " " + std::to_string(dilation));
    // Past the slack, pad_r would be <= -stride: oneDNN 2.6 cannot describe what PyTorch allows.
    if (output_pad > pad + 2 * stride - 2)
        throw ShapeError(what + " must be at most pad_" + axis + " + 2 stride_" + axis + " - 2 = " +
                         std::to_string(pad + 2 * stride - 2) +
                         " (a limit of oneDNN); pad the output instead");
}

ConvTranspose2dShape check(const Tensor& x, const Tensor& w, const Tensor& b, const Attrs& attrs) {
    expect_rank(name, "input x", x, 4);
    expect_rank(name, "weight w", w, 4);
    expect_dtype(name, "input x", x, DType::f32);
    expect_dtype(name, "weight w", w, DType::f32);
    ConvTranspose2dShape s;
    s.x = x.shape();
    s.w = w.shape();
    s.sh = attr_or(attrs, 0, "stride_h", 1, 1);
    s.sw = attr_or(attrs, 1, "stride_w", 1, 1);
    s.ph = attr_or(attrs, 2, "pad_h", 0, 0);
    s.pw = attr_or(attrs, 3, "pad_w", 0, 0);
    s.oph = attr_or(attrs, 4, "output_pad_h", 0, 0);
    s.opw = attr_or(attrs, 5, "output_pad_w", 0, 0);
    s.groups = attr_or(attrs, 6, "groups", 1, 1);
    s.dh = attr_or(attrs, 7, "dilation_h", 1, 1);
    s.dw = attr_or(attrs, 8, "dilation_w", 1, 1);
    if (x.dim(1) != w.dim(0))
        throw ShapeError(std::string(name) + ": x " + describe(x) + " has " + std::to_string(x.dim(1)) +
                         " channels but w " + describe(w) + " expects " + std::to_string(w.dim(0)));
    if (x.dim(1) % s.groups != 0)
        throw ShapeError(std::string(name) + ": groups " + std::to_string(s.groups) +
                         " must divide the input channels of x " + describe(x));
    const int64_t out_channels = w.dim(1) * s.groups;
    if (b.defined() && (b.rank() != 1 || b.dim(0) != out_channels))
        throw ShapeError(std::string(name) + ": bias " + describe(b) + " must be [" +
                         std::to_string(out_channels) + "] for w " + describe(w) + " with groups " +
                         std::to_string(s.groups));
    check_output_pad(s.oph, s.sh, s.dh, s.ph, "h");
    check_output_pad(s.opw, s.sw, s.dw, s.pw, "w");
    const int64_t out_h = (x.dim(2) - 1) * s.sh - 2 * s.ph + s.dh * (w.dim(2) - 1) + s.oph + 1;
    const int64_t out_w = (x.dim(3) - 1) * s.sw - 2 * s.pw + s.dw * (w.dim(3) - 1) + s.opw + 1;
    if (out_h < 1 || out_w < 1)
        throw ShapeError(std::string(name) + ": output would be " + pair_text(out_h, out_w) + " for x " +
                         describe(x) + ", w " + describe(w) + ", padding " + pair_text(s.ph, s.pw));
    s.y = {x.dim(0), out_channels, out_h, out_w};
    return s;
}

// oneDNN's deconvolution weights are logically (O, C, kh, kw); PyTorch's [C, O/g, kh, kw] is that
// as iohw, or split by group as giohw. Or the layout is left to the primitive.
memory::desc weights_desc(const ConvTranspose2dShape& s, bool any) {
    const Shape& w = s.w;
    using tag = memory::format_tag;
    if (s.groups == 1)
        return {{w[1], w[0], w[2], w[3]}, memory::data_type::f32, any ? tag::any : tag::iohw};
    return {{s.groups, w[1], w[0] / s.groups, w[2], w[3]}, memory::data_type::f32,
            any ? tag::any : tag::giohw};
}

// The primitives' descriptors: what the forward and both backwards are built from alike.
struct ConvTranspose2dDescs {
    memory::desc x, w, b, y;
    memory::dims strides, dilates, pad_l, pad_r;
};

ConvTranspose2dDescs descs(const ConvTranspose2dShape& s) {
    // A few output channels (an image) stay plain: padded to a 16-channel block, the blocked
    // kernels would do 16 times the work and reorder it back.
    // oneDNN counts dilation from 0 (dense), PyTorch from 1.
    return {any_desc(s.x), weights_desc(s, true), plain_desc({s.y[1]}), s.y[1] < 16 ? plain_desc(s.y) : any_desc(s.y),
            {s.sh, s.sw}, {s.dh - 1, s.dw - 1}, {s.ph, s.pw},
            {end_padding(s.ph, s.oph, s.sh), end_padding(s.pw, s.opw, s.sw)}};
}

const auto alg = dnnl::algorithm::deconvolution_direct;

struct ConvTranspose2dPrimitives {
    dnnl::deconvolution_forward::primitive_desc fwd_pd;
    dnnl::deconvolution_forward fwd;
};
using BackwardData = BackwardPrimitive<dnnl::deconvolution_backward_data::primitive_desc, dnnl::deconvolution_backward_data>;
using BackwardWeights =
    BackwardPrimitive<dnnl::deconvolution_backward_weights::primitive_desc, dnnl::deconvolution_backward_weights>;

ConvTranspose2dPrimitives& primitives(Context& ctx, const ConvTranspose2dShape& s) {
    return ctx.device().primitives().get<ConvTranspose2dPrimitives>(cache_key(name, {s.x, s.w}, s.attrs()), [&] {
        using namespace dnnl;
        const ConvTranspose2dDescs d = descs(s);
        deconvolution_forward::primitive_desc fwd_pd(
            {prop_kind::forward_training, alg, d.x, d.w, d.b, d.y, d.strides, d.dilates, d.pad_l, d.pad_r},
            ctx.device().engine());
        return ConvTranspose2dPrimitives{fwd_pd, deconvolution_forward(fwd_pd)};
    });
}

BackwardData& data_backward(Context& ctx, const ConvTranspose2dShape& s) {
    return ctx.device().primitives().get<BackwardData>(cache_key("conv_transpose2d_backward_data", {s.x, s.w}, s.attrs()), [&] {
        using namespace dnnl;
        const ConvTranspose2dDescs d = descs(s);
        deconvolution_backward_data::primitive_desc pd({alg, d.x, d.w, d.y, d.strides, d.dilates, d.pad_l, d.pad_r},
                                                       ctx.device().engine(), primitives(ctx, s).fwd_pd);
        return BackwardData{pd, deconvolution_backward_data(pd)};
    });
}

BackwardWeights& weights_backward(Context& ctx, const ConvTranspose2dShape& s) {
    const std::string key = cache_key("conv_transpose2d_backward_weights", {s.x, s.w}, s.attrs());
    return ctx.device().primitives().get<BackwardWeights>(key, [&] {
        using namespace dnnl;
        const ConvTranspose2dDescs d = descs(s);
        deconvolution_backward_weights::primitive_desc pd(
            {alg, d.x, d.w, d.b, d.y, d.strides, d.dilates, d.pad_l, d.pad_r}, ctx.device().engine(),
            primitives(ctx, s).fwd_pd);
        return BackwardWeights{pd, deconvolution_backward_weights(pd)};
    });
}

std::vector<Tensor> forward(Context& ctx, const std::vector<Tensor>& in, const Attrs& attrs) {
    const Tensor& x = in[0];
    const Tensor& w = in[1];
    Tensor b = in.size() > 2 ? in[2] : Tensor();
    ConvTranspose2dShape s = check(x, w, b, attrs);
    ConvTranspose2dPrimitives& p = primitives(ctx, s);
    Tensor y = conv_like_forward(ctx, p, x, w, b, s.y, weights_desc(s, false), s.y[1]);
    if (needs_grad(ctx, {x, w, b})) {
        // Saved: x and w as given (plain), each only when the other's gradient is wanted.
        const ConvLikeSaved saved = conv_like_saved(x, w, b);
        record_op(ctx, name, {x, w, b}, {y}, [saved, s](Context& c, const std::vector<Tensor>& g) {
            return conv_like_backward(
                c, saved, [&]() -> BackwardData& { return data_backward(c, s); },
                [&]() -> BackwardWeights& { return weights_backward(c, s); }, g[0], weights_desc(s, false), s.y[1]);
        });
    }
    return {y};
}

}  // namespace

void register_conv_transpose2d(OpRegistry& r) {
    r.add({name, "conv_transpose2d(x[N,C,H,W], w[C,O/groups,kh,kw], b[O]?) -> y[N,O,OH,OW]", 2, 3, 1, forward});
}

}  // namespace chimera
