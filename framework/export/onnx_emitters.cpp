// What each host op of chimera export's traces becomes in ONNX (onnx_graph.hpp's emitters()):
// one function per op or family, translating its attributes as the op reads them. Not the
// checks that two traces agree, nor the graph's inputs and outputs (onnx_export.cpp).
#include "export/onnx_graph.hpp"

#include <algorithm>
#include <limits>

namespace chimera::onnx_graph {

namespace {

void unary(Site& s, const std::string& type) { s.w.node(type, {s.in[0]}, {s.out}, s.label()); }
void binary(Site& s, const std::string& type) { s.w.node(type, {s.in[0], s.in[1]}, {s.out}, s.label()); }
void with_scalar(Site& s, const std::string& type, bool scalar_first) {
    const std::string c = s.w.float_constant(s.node + ".scalar", {static_cast<float>(attr(s.call, 0, 0))}, {});
    s.w.node(type, scalar_first ? std::vector<std::string>{c, s.in[0]} : std::vector<std::string>{s.in[0], c}, {s.out}, s.label());
}

// gelu, erf form: x * 0.5 * (1 + erf(x / sqrt 2)).
void gelu(GraphWriter& w, const std::string& x, const std::string& out, const std::string& label) {
    const std::string root2 = w.float_constant("sqrt2", {static_cast<float>(std::sqrt(2.0))}, {});
    const std::string one = w.float_constant("one", {1.0f}, {}), half = w.float_constant("half", {0.5f}, {});
    const std::string a = w.fresh("gelu"), b = w.fresh("gelu"), c = w.fresh("gelu"), d = w.fresh("gelu");
    w.node("Div", {x, root2}, {a}, label);
    w.node("Erf", {a}, {b}, label);
    w.node("Add", {b, one}, {c}, label);
    w.node("Mul", {x, c}, {d}, label);
    w.node("Mul", {d, half}, {out}, label);
}

void silu(GraphWriter& w, const std::string& x, const std::string& out, const std::string& label) {
    const std::string s = w.fresh("silu");
    w.node("Sigmoid", {x}, {s}, label);
    w.node("Mul", {x, s}, {out}, label);
}

}  // namespace

void activation(GraphWriter& w, int64_t code, std::optional<double> alpha, const std::string& x, const std::string& out,
                const std::string& label) {
    switch (code) {
    case 0: w.node("Identity", {x}, {out}, label); return;
    case 1:
        if (alpha.value_or(0.0) != 0.0) GraphWriter::set(w.node("LeakyRelu", {x}, {out}, label), "alpha", *alpha);
        else w.node("Relu", {x}, {out}, label);
        return;
    case 2: GraphWriter::set(w.node("LeakyRelu", {x}, {out}, label), "alpha", alpha.value_or(0.01)); return;
    case 3: w.node("Tanh", {x}, {out}, label); return;
    case 4: w.node("Sigmoid", {x}, {out}, label); return;
    case 5: GraphWriter::set(w.node("Elu", {x}, {out}, label), "alpha", alpha.value_or(1.0)); return;
    case 6: gelu(w, x, out, label); return;
    case 7: silu(w, x, out, label); return;
    }
    throw UsageError(fmt::format("cannot export '{}': activation code {} is not one of CHM_ACTIVATIONS", label, code));
}

namespace {

void linear(Site& s) {
    std::vector<std::string> in{s.in[0], s.in[1]};
    if (s.in.size() > 2 && !s.in[2].empty()) in.push_back(s.in[2]);
    const int64_t act = int_attr(s.call, 0, 0);
    const std::string y = act == 0 ? s.out : s.w.fresh(s.node + ".linear");
    GraphWriter::set(s.w.node("Gemm", in, {y}, s.label()), "transB", int64_t{1});
    if (act != 0) activation(s.w, act, s.call.attrs.size() > 1 ? std::optional<double>(s.call.attrs[1]) : std::nullopt, y, s.out, s.label());
}

std::vector<int64_t> kernel_of(const Tensor& w) { return {w.dim(2), w.dim(3)}; }

void conv(Site& s, bool transposed) {
    std::vector<std::string> in{s.in[0], s.in[1]};
    if (s.in.size() > 2 && !s.in[2].empty()) in.push_back(s.in[2]);
    const TracedCall& c = s.call;
    // conv2d: stride, padding, dilation, groups; conv_transpose2d: stride, padding, output_padding, groups, dilation.
    // Each number defaults as the op reads it (a pair's second half does not copy the first).
    const int64_t sh = int_attr(c, 0, 1), sw = int_attr(c, 1, 1), ph = int_attr(c, 2, 0), pw = int_attr(c, 3, 0);
    onnx::NodeProto& n = s.w.node(transposed ? "ConvTranspose" : "Conv", in, {s.out}, s.label());
    GraphWriter::set(n, "kernel_shape", kernel_of(c.inputs[1]));
    GraphWriter::set(n, "strides", std::vector<int64_t>{sh, sw});
    GraphWriter::set(n, "pads", std::vector<int64_t>{ph, pw, ph, pw});
    if (transposed) {
        const int64_t oh = int_attr(c, 4, 0), ow = int_attr(c, 5, 0), groups = int_attr(c, 6, 1), dh = int_attr(c, 7, 1), dw = int_attr(c, 8, 1);
        GraphWriter::set(n, "output_padding", std::vector<int64_t>{oh, ow});
        GraphWriter::set(n, "group", groups);
        GraphWriter::set(n, "dilations", std::vector<int64_t>{dh, dw});
    } else {
        const int64_t dh = int_attr(c, 4, 1), dw = int_attr(c, 5, 1), groups = int_attr(c, 6, 1);
        GraphWriter::set(n, "dilations", std::vector<int64_t>{dh, dw});
        GraphWriter::set(n, "group", groups);
    }
}

void batch_norm(Site& s) {
    if (int_attr(s.call, 0, 1) != 0)
        throw UsageError(fmt::format("cannot export node '{}': batch_norm runs in training mode (batch statistics); "
                                     "the export traces evaluation mode, so the plugin should pass training = 0 there",
                                     s.node));
    const int64_t channels = s.call.inputs[0].dim(1);
    std::vector<std::string> in = s.in;
    in.resize(5);
    if (in[1].empty()) in[1] = s.w.float_constant(s.node + ".gamma", std::vector<float>(channels, 1.0f), {channels});
    if (in[2].empty()) in[2] = s.w.float_constant(s.node + ".beta", std::vector<float>(channels, 0.0f), {channels});
    if (in[3].empty() || in[4].empty())
        throw UsageError(fmt::format("cannot export node '{}': batch_norm without running statistics", s.node));
    GraphWriter::set(s.w.node("BatchNormalization", in, {s.out}, s.label()), "epsilon", attr(s.call, 2, 1e-5));
}

// The dims of a reshape at both batch sizes: the one that is the batch in both is written as 0
// ("as the input's") when the input has the batch at that place, else as -1, as is one that is
// the batch times a fixed size (N * T). Another dimension that grows with the batch cannot be said.
void reshape(Site& s) {
    const Shape& out_a = s.call.outputs[0].shape();
    const Shape& out_b = s.other.outputs[0].shape();
    const Shape& in_a = s.call.inputs[0].shape();
    const Shape& in_b = s.other.inputs[0].shape();
    std::vector<int64_t> dims(out_a.begin(), out_a.end());
    for (std::size_t i = 0; i < dims.size(); ++i) {
        if (i >= out_b.size() || out_a[i] == out_b[i]) continue;
        // The batch times a fixed size (rows of all positions, [N * T, D]) is -1 too.
        const bool batch_multiple = out_a[i] % s.w.batch_a() == 0 && out_b[i] % s.w.batch_b() == 0 &&
                                    out_a[i] / s.w.batch_a() == out_b[i] / s.w.batch_b();
        if (!s.w.is_batch(out_a[i], out_b[i]) && !batch_multiple)
            throw UsageError(fmt::format("cannot export node '{}': a reshape to {} has a dimension that grows with the batch without "
                                         "being it", s.node, describe(s.call.outputs[0])));
        const bool same_place = i < in_a.size() && i < in_b.size() && in_a[i] == out_a[i] && in_b[i] == out_b[i];
        dims[i] = same_place ? 0 : -1;
    }
    if (std::count(dims.begin(), dims.end(), -1) > 1)
        throw UsageError(fmt::format("cannot export node '{}': a reshape to {} moves the batch in a way ONNX Reshape cannot say", s.node,
                                     describe(s.call.outputs[0])));
    s.w.node("Reshape", {s.in[0], s.w.int64_constant(s.node + ".shape", dims)}, {s.out}, s.label());
}

void flatten(Site& s) {
    const int64_t start = int_attr(s.call, 0, 1);
    if (start == 1) {
        GraphWriter::set(s.w.node("Flatten", {s.in[0]}, {s.out}, s.label()), "axis", int64_t{1});
        return;
    }
    reshape(s);
}

void pad(Site& s) {
    // Chimera: value, then pairs from the last dimension backwards; ONNX: every begin, then every end.
    const int64_t rank = static_cast<int64_t>(s.call.inputs[0].shape().size());
    std::vector<int64_t> pads(static_cast<std::size_t>(2 * rank), 0);
    for (std::size_t k = 1; k < s.call.attrs.size(); k += 2) {
        const int64_t dim = rank - 1 - static_cast<int64_t>((k - 1) / 2);
        pads[static_cast<std::size_t>(dim)] = int_attr(s.call, k, 0);
        pads[static_cast<std::size_t>(rank + dim)] = int_attr(s.call, k + 1, 0);
    }
    const std::string value = s.w.float_constant(s.node + ".pad_value", {static_cast<float>(attr(s.call, 0, 0))}, {});
    s.w.node("Pad", {s.in[0], s.w.int64_constant(s.node + ".pads", pads), value}, {s.out}, s.label());
}

void pool(Site& s, const std::string& type) {
    const int64_t kh = int_attr(s.call, 0, 1), kw = int_attr(s.call, 1, 1);
    const int64_t sh = int_attr(s.call, 2, static_cast<double>(kh)), sw = int_attr(s.call, 3, static_cast<double>(kw));
    const int64_t ph = int_attr(s.call, 4, 0), pw = int_attr(s.call, 5, 0);
    onnx::NodeProto& n = s.w.node(type, {s.in[0]}, {s.out}, s.label());
    GraphWriter::set(n, "kernel_shape", std::vector<int64_t>{kh, kw});
    GraphWriter::set(n, "strides", std::vector<int64_t>{sh, sw});
    GraphWriter::set(n, "pads", std::vector<int64_t>{ph, pw, ph, pw});
    if (type == "AveragePool") GraphWriter::set(n, "count_include_pad", int64_t{int_attr(s.call, 6, 1)});
}

void upsample(Site& s, bool nearest) {
    const float sh = static_cast<float>(attr(s.call, 0, 2)), sw = static_cast<float>(attr(s.call, 1, sh));
    const std::string scales = s.w.float_constant(s.node + ".scales", {1.0f, 1.0f, sh, sw}, {4});
    onnx::NodeProto& n = s.w.node("Resize", {s.in[0], "", scales}, {s.out}, s.label());
    GraphWriter::set(n, "mode", std::string(nearest ? "nearest" : "linear"));
    GraphWriter::set(n, "coordinate_transformation_mode", std::string(nearest ? "asymmetric" : "half_pixel"));
    if (nearest) GraphWriter::set(n, "nearest_mode", std::string("floor"));
}

void with_axis(Site& s, const std::string& type, double fallback) {
    GraphWriter::set(s.w.node(type, {s.in[0]}, {s.out}, s.label()), "axis", int_attr(s.call, 0, fallback));
}

void concat(Site& s) {
    std::vector<std::string> in;
    for (const auto& i : s.in)
        if (!i.empty()) in.push_back(i);
    GraphWriter::set(s.w.node("Concat", in, {s.out}, s.label()), "axis", int_attr(s.call, 0, 0));
}

void permute(Site& s) {
    const int64_t rank = static_cast<int64_t>(s.call.inputs[0].shape().size());
    std::vector<int64_t> perm;
    for (std::size_t i = 0; i < s.call.attrs.size(); ++i) {
        const int64_t axis = int_attr(s.call, i, 0);
        perm.push_back(axis < 0 ? axis + rank : axis);
    }
    GraphWriter::set(s.w.node("Transpose", {s.in[0]}, {s.out}, s.label()), "perm", perm);
}

void transpose(Site& s) {
    const int64_t rank = static_cast<int64_t>(s.call.inputs[0].shape().size());
    int64_t a = int_attr(s.call, 0, -2), b = int_attr(s.call, 1, -1);
    if (a < 0) a += rank;
    if (b < 0) b += rank;
    std::vector<int64_t> perm(static_cast<std::size_t>(rank));
    for (int64_t i = 0; i < rank; ++i) perm[static_cast<std::size_t>(i)] = i;
    std::swap(perm[static_cast<std::size_t>(a)], perm[static_cast<std::size_t>(b)]);
    GraphWriter::set(s.w.node("Transpose", {s.in[0]}, {s.out}, s.label()), "perm", perm);
}

// embedding(indices, table): the table's rows, by int32 or int64 indices alike.
void embedding(Site& s) { GraphWriter::set(s.w.node("Gather", {s.in[1], s.in[0]}, {s.out}, s.label()), "axis", int64_t{0}); }

// slice(x, axis, start, stop, step): ONNX's Slice reads negative and out-of-range ends as Python does.
void slice(Site& s) {
    const std::string& n = s.node;
    s.w.node("Slice", {s.in[0], s.w.int64_constant(n + ".starts", {int_attr(s.call, 1, 0)}), s.w.int64_constant(n + ".ends", {int_attr(s.call, 2, 0)}),
                       s.w.int64_constant(n + ".axes", {int_attr(s.call, 0, 0)}), s.w.int64_constant(n + ".steps", {int_attr(s.call, 3, 1)})},
             {s.out}, s.label());
}

// layer_norm(x, gamma?, beta?; eps) over the last dimension: LayerNormalization from opset 17,
// before it (x - mean) / sqrt(var + eps) * gamma + beta in ReduceMean and element-wise ops.
void layer_norm(Site& s, int opset) {
    const int64_t d = s.call.inputs[0].shape().back();
    std::string gamma = s.in.size() > 1 ? s.in[1] : "", beta = s.in.size() > 2 ? s.in[2] : "";
    if (gamma.empty()) gamma = s.w.float_constant(s.node + ".gamma", std::vector<float>(static_cast<std::size_t>(d), 1.0f), {d});
    if (beta.empty()) beta = s.w.float_constant(s.node + ".beta", std::vector<float>(static_cast<std::size_t>(d), 0.0f), {d});
    const double eps = attr(s.call, 0, 1e-5);
    if (opset >= 17) {
        onnx::NodeProto& n = s.w.node("LayerNormalization", {s.in[0], gamma, beta}, {s.out}, s.label());
        GraphWriter::set(n, "axis", int64_t{-1});
        GraphWriter::set(n, "epsilon", eps);
        return;
    }
    auto t = [&] { return s.w.fresh(s.node + ".layer_norm"); };
    const std::string mean = t(), centred = t(), square = t(), var = t(), shifted = t(), deviation = t(), unit = t(), scaled = t();
    GraphWriter::set(s.w.node("ReduceMean", {s.in[0]}, {mean}, s.label()), "axes", std::vector<int64_t>{-1});
    s.w.node("Sub", {s.in[0], mean}, {centred}, s.label());
    s.w.node("Mul", {centred, centred}, {square}, s.label());
    GraphWriter::set(s.w.node("ReduceMean", {square}, {var}, s.label()), "axes", std::vector<int64_t>{-1});
    s.w.node("Add", {var, s.w.float_constant(s.node + ".eps", {static_cast<float>(eps)}, {})}, {shifted}, s.label());
    s.w.node("Sqrt", {shifted}, {deviation}, s.label());
    s.w.node("Div", {centred, deviation}, {unit}, s.label());
    s.w.node("Mul", {unit, gamma}, {scaled}, s.label());
    s.w.node("Add", {scaled, beta}, {s.out}, s.label());
}

// attention(q, k, v, mask?; scale, causal): softmax(scale q k^T + mask + causal) v in MatMul,
// Softmax and element-wise ops; causal as a constant [T, T] of 0 and -inf above the diagonal.
void attention(Site& s) {
    const Tensor& q = s.call.inputs[0];
    const int64_t t = q.dim(2), keys = s.call.inputs[1].dim(2);
    double scale = attr(s.call, 0, 0);
    if (scale == 0) scale = 1.0 / std::sqrt(static_cast<double>(q.dim(3)));
    auto f = [&] { return s.w.fresh(s.node + ".attention"); };
    const std::string kt = f(), raw = f(), scores = f();
    GraphWriter::set(s.w.node("Transpose", {s.in[1]}, {kt}, s.label()), "perm", std::vector<int64_t>{0, 1, 3, 2});
    s.w.node("MatMul", {s.in[0], kt}, {raw}, s.label());
    s.w.node("Mul", {raw, s.w.float_constant(s.node + ".scale", {static_cast<float>(scale)}, {})}, {scores}, s.label());
    std::string x = scores;
    if (s.in.size() > 3 && !s.in[3].empty()) {
        const std::string masked = f();
        s.w.node("Add", {x, s.in[3]}, {masked}, s.label());
        x = masked;
    }
    if (int_attr(s.call, 1, 0) == 1) {
        std::vector<float> hidden(static_cast<std::size_t>(t * keys), 0.0f);
        for (int64_t i = 0; i < t; ++i)
            for (int64_t j = i + 1; j < keys; ++j) hidden[static_cast<std::size_t>(i * keys + j)] = -std::numeric_limits<float>::infinity();
        const std::string causal = f();
        s.w.node("Add", {x, s.w.float_constant(s.node + ".causal", hidden, {t, keys})}, {causal}, s.label());
        x = causal;
    }
    const std::string p = f();
    GraphWriter::set(s.w.node("Softmax", {x}, {p}, s.label()), "axis", int64_t{-1});
    s.w.node("MatMul", {p, s.in[2]}, {s.out}, s.label());
}

// sum and mean over axes (keepdim, axis...; none: every axis). ReduceSum reads its axes as an
// input from opset 13, ReduceMean as an attribute until 18.
void reduce(Site& s, bool mean) {
    std::vector<int64_t> axes;
    for (std::size_t i = 1; i < s.call.attrs.size(); ++i) axes.push_back(int_attr(s.call, i, 0));
    std::vector<std::string> in{s.in[0]};
    if (!mean && !axes.empty()) in.push_back(s.w.int64_constant(s.node + ".axes", axes));
    onnx::NodeProto& n = s.w.node(mean ? "ReduceMean" : "ReduceSum", in, {s.out}, s.label());
    GraphWriter::set(n, "keepdims", int_attr(s.call, 0, 0));
    if (mean && !axes.empty()) GraphWriter::set(n, "axes", axes);
}

// clamp(x, lo, hi): Clip with its bounds as inputs.
void clamp(Site& s) {
    const std::string lo = s.w.float_constant(s.node + ".min", {static_cast<float>(attr(s.call, 0, 0))}, {});
    const std::string hi = s.w.float_constant(s.node + ".max", {static_cast<float>(attr(s.call, 1, 0))}, {});
    s.w.node("Clip", {s.in[0], lo, hi}, {s.out}, s.label());
}

}  // namespace

const std::map<std::string, Emit>& emitters() {
    static const std::map<std::string, Emit> table = {
        {"linear", linear},
        {"conv2d", [](Site& s) { conv(s, false); }},
        {"conv_transpose2d", [](Site& s) { conv(s, true); }},
        {"batch_norm", batch_norm},
        {"reshape", reshape},
        {"flatten", flatten},
        {"pad", pad},
        {"max_pool2d", [](Site& s) { pool(s, "MaxPool"); }},
        {"avg_pool2d", [](Site& s) { pool(s, "AveragePool"); }},
        {"upsample_nearest", [](Site& s) { upsample(s, true); }},
        {"upsample_bilinear", [](Site& s) { upsample(s, false); }},
        {"concat", concat},
        {"permute", permute},
        {"transpose", transpose},
        {"embedding", embedding},
        {"slice", slice},
        {"attention", attention},
        {"layer_norm", [](Site& s) { layer_norm(s, s.opset); }},
        {"sum", [](Site& s) { reduce(s, false); }},
        {"mean", [](Site& s) { reduce(s, true); }},
        {"clamp", clamp},
        {"softmax", [](Site& s) { with_axis(s, "Softmax", -1); }},
        {"log_softmax", [](Site& s) { with_axis(s, "LogSoftmax", -1); }},
        {"relu", [](Site& s) { unary(s, "Relu"); }},
        {"tanh", [](Site& s) { unary(s, "Tanh"); }},
        {"sigmoid", [](Site& s) { unary(s, "Sigmoid"); }},
        {"exp", [](Site& s) { unary(s, "Exp"); }},
        {"log", [](Site& s) { unary(s, "Log"); }},
        {"sqrt", [](Site& s) { unary(s, "Sqrt"); }},
        {"abs", [](Site& s) { unary(s, "Abs"); }},
        {"erf", [](Site& s) { unary(s, "Erf"); }},
        {"softplus", [](Site& s) { unary(s, "Softplus"); }},
        {"leaky_relu", [](Site& s) { GraphWriter::set(s.w.node("LeakyRelu", {s.in[0]}, {s.out}, s.label()), "alpha", attr(s.call, 0, 0.01)); }},
        {"elu", [](Site& s) { GraphWriter::set(s.w.node("Elu", {s.in[0]}, {s.out}, s.label()), "alpha", attr(s.call, 0, 1.0)); }},
        {"gelu", [](Site& s) { gelu(s.w, s.in[0], s.out, s.label()); }},
        {"silu", [](Site& s) { silu(s.w, s.in[0], s.out, s.label()); }},
        {"square", [](Site& s) { s.w.node("Mul", {s.in[0], s.in[0]}, {s.out}, s.label()); }},
        {"add", [](Site& s) { binary(s, "Add"); }},
        {"sub", [](Site& s) { binary(s, "Sub"); }},
        {"mul", [](Site& s) { binary(s, "Mul"); }},
        {"div", [](Site& s) { binary(s, "Div"); }},
        {"maximum", [](Site& s) { binary(s, "Max"); }},
        {"minimum", [](Site& s) { binary(s, "Min"); }},
        {"matmul", [](Site& s) { binary(s, "MatMul"); }},
        {"add_scalar", [](Site& s) { with_scalar(s, "Add", false); }},
        {"mul_scalar", [](Site& s) { with_scalar(s, "Mul", false); }},
        {"rsub_scalar", [](Site& s) { with_scalar(s, "Sub", true); }},
        {"pow_scalar", [](Site& s) { with_scalar(s, "Pow", false); }},
    };
    return table;
}

}  // namespace chimera::onnx_graph
