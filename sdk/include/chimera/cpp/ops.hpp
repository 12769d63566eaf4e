// Part of the C++ wrapper (include <chimera/chimera.hpp>): chimera::ops, one typed function per
// host op, each called through the host table.
#ifndef CHIMERA_CPP_OPS_HPP
#define CHIMERA_CPP_OPS_HPP

#include <chimera/cpp/core.hpp>
#include <chimera/opset.h>

#include <algorithm>
#include <cstring>

namespace chimera {

// The host's ops. Each records itself for backward when an input requires gradients.
// `chimera ops` lists them with their inputs and attributes; <chimera/opset.h> is the list this
// SDK was built with, and every call asks the host for the op at the version listed there.
namespace ops {

// One named attribute of an op call: numbers ({"stride", {2, 2}}, {"axis", 1}) or a named
// choice ({"activation", "relu"}).
struct Attr {
    Attr(const char* n, double v) : name(n), values{v} {}
    Attr(const char* n, std::vector<double> v) : name(n), values(std::move(v)) {}
    Attr(const char* n, const char* choice) : name(n), text(choice), is_choice(true) {}
    Attr(const char* n, std::string choice) : name(n), text(std::move(choice)), is_choice(true) {}
    const char* name;
    std::vector<double> values;
    std::string text;
    bool is_choice = false;
};
using Attrs = std::vector<Attr>;

// The version of op `name` in the op set this plugin is built against (1 for an op it does not
// list: the first version of an op a newer host has).
inline uint32_t op_version(const char* name) {
    struct Entry {
        const char* name;
        uint32_t version;
    };
#define CHIMERA_SDK_OP_VERSION(op, v, attrs) {#op, v},
    static const Entry entries[] = {CHM_OPSET(CHIMERA_SDK_OP_VERSION)};
#undef CHIMERA_SDK_OP_VERSION
    for (const Entry& e : entries)
        if (std::strcmp(e.name, name) == 0) return e.version;
    return 1;
}

// Calls op `name` through `host` with `inputs` (an empty Tensor for an absent optional input)
// and named `attrs`, returning `n_outputs` new tensors.
inline std::vector<Tensor> call(Host h, const char* name, const std::vector<const Tensor*>& inputs,
                                const Attrs& attrs = {}, uint32_t n_outputs = 1) {
    const chm_host* host = h.raw();
    const chm_op* op = nullptr;
    h.check(host->op_find_version(host, name, op_version(name), &op));
    std::vector<const chm_tensor*> raw;
    for (const Tensor* t : inputs) raw.push_back(t && t->defined() ? t->raw() : nullptr);
    std::vector<chm_attr> named;
    for (const Attr& a : attrs) {
        chm_attr c{};
        c.struct_size = sizeof(chm_attr);
        c.count = static_cast<uint32_t>(a.values.size());
        c.name = a.name;
        c.values = a.values.empty() ? nullptr : a.values.data();
        c.text = a.is_choice ? a.text.c_str() : nullptr;
        named.push_back(c);
    }
    std::vector<chm_tensor*> out(n_outputs, nullptr);
    std::vector<Tensor> result;
    result.reserve(n_outputs);  // so taking over the references below cannot throw
    h.check(host->op_call_named(host, op, raw.data(), static_cast<uint32_t>(raw.size()),
                                named.empty() ? nullptr : named.data(), static_cast<uint32_t>(named.size()),
                                out.data(), n_outputs));
    for (chm_tensor* t : out) result.emplace_back(host, t);
    return result;
}
// The same, finding the host through the first defined input.
inline std::vector<Tensor> call(const char* name, const std::vector<const Tensor*>& inputs,
                                const Attrs& attrs = {}, uint32_t n_outputs = 1) {
    for (const Tensor* t : inputs)
        if (t && t->defined()) return call(Host(t->host()), name, inputs, attrs, n_outputs);
    throw Error(std::string(name) + ": needs at least one defined input tensor", CHM_ERR_INVALID_ARGUMENT);
}
inline Tensor call1(const char* name, const std::vector<const Tensor*>& inputs, const Attrs& attrs = {}) {
    return std::move(call(name, inputs, attrs)[0]);
}

// The activations by name (CHM_ACTIVATIONS): what linear fuses and `activate` applies, and the
// choices to offer for a model's activation option.
inline const std::vector<std::string>& activation_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        std::string all = CHM_ACTIVATIONS;
        for (std::size_t start = 0;;) {
            std::size_t bar = all.find('|', start);
            out.push_back(all.substr(start, bar - start));
            if (bar == std::string::npos) return out;
            start = bar + 1;
        }
    }();
    return names;
}
// The alpha to give linear for `activation` when a model's option is leaky_relu's `slope`: the
// slope for leaky_relu, the op's own default (elu's 1) otherwise (-1).
inline double activation_alpha(const std::string& activation, double slope) {
    return activation == "leaky_relu" ? slope : -1;
}
// act(x w^T + b) with one of activation_names() fused into the primitive; `alpha` is leaky_relu's
// slope or elu's alpha (negative: the op's default; gelu and silu take none).
inline Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b = Tensor(),
                     const std::string& activation = "none", double alpha = -1) {
    if (activation == "none") return call1("linear", {&x, &w, &b});
    if (alpha < 0) return call1("linear", {&x, &w, &b}, {{"activation", activation}});
    return call1("linear", {&x, &w, &b}, {{"activation", activation}, {"alpha", alpha}});
}
inline Tensor matmul(const Tensor& a, const Tensor& b) { return call1("matmul", {&a, &b}); }
// softmax(scale q k^T + mask) v for q [B, H, T, D], k and v [B, H, S, D], in one op: `mask` (may
// be empty) is additive, [T, S] or [B|1, H|1, T|1, S]; `scale` 0 means 1 / sqrt(D); `causal`
// leaves out keys after each query.
inline Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask = Tensor(), double scale = 0,
                        bool causal = false) {
    return call1("attention", {&q, &k, &v, &mask}, {{"scale", scale}, {"causal", causal ? 1.0 : 0.0}});
}
inline Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride = 1, int padding = 0,
                     int dilation = 1, int groups = 1) {
    return call1("conv2d", {&x, &w, &b},
                 {{"stride", double(stride)}, {"padding", double(padding)}, {"dilation", double(dilation)},
                  {"groups", double(groups)}});
}
inline Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride = 1,
                               int padding = 0, int output_padding = 0, int groups = 1, int dilation = 1) {
    return call1("conv_transpose2d", {&x, &w, &b},
                 {{"stride", double(stride)}, {"padding", double(padding)}, {"output_padding", double(output_padding)},
                  {"groups", double(groups)}, {"dilation", double(dilation)}});
}
inline Tensor max_pool2d(const Tensor& x, int kernel, int stride = 0, int padding = 0) {
    int s = stride ? stride : kernel;
    return call1("max_pool2d", {&x}, {{"kernel", double(kernel)}, {"stride", double(s)}, {"padding", double(padding)}});
}
inline Tensor avg_pool2d(const Tensor& x, int kernel, int stride = 0, int padding = 0) {
    int s = stride ? stride : kernel;
    return call1("avg_pool2d", {&x}, {{"kernel", double(kernel)}, {"stride", double(s)}, {"padding", double(padding)}});
}
inline Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                         const Tensor& running_var, bool training, double momentum = 0.1, double eps = 1e-5) {
    return call1("batch_norm", {&x, &gamma, &beta, &running_mean, &running_var},
                 {{"training", training ? 1.0 : 0.0}, {"momentum", momentum}, {"eps", eps}});
}
inline Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps = 1e-5) {
    return call1("layer_norm", {&x, &gamma, &beta}, {{"eps", eps}});
}
inline Tensor softmax(const Tensor& x, int axis = -1) { return call1("softmax", {&x}, {{"axis", double(axis)}}); }
inline Tensor log_softmax(const Tensor& x, int axis = -1) {
    return call1("log_softmax", {&x}, {{"axis", double(axis)}});
}
inline Tensor dropout(const Tensor& x, double p, bool training) {
    return call1("dropout", {&x}, {{"p", p}, {"training", training ? 1.0 : 0.0}});
}
inline Tensor relu(const Tensor& x) { return call1("relu", {&x}); }
inline Tensor leaky_relu(const Tensor& x, double slope = 0.01) {
    return call1("leaky_relu", {&x}, {{"negative_slope", slope}});
}
inline Tensor elu(const Tensor& x, double alpha = 1.0) { return call1("elu", {&x}, {{"alpha", alpha}}); }
inline Tensor gelu(const Tensor& x) { return call1("gelu", {&x}); }
// x sigmoid(x).
inline Tensor silu(const Tensor& x) { return call1("silu", {&x}); }
inline Tensor erf(const Tensor& x) { return call1("erf", {&x}); }
inline Tensor tanh(const Tensor& x) { return call1("tanh", {&x}); }
inline Tensor sigmoid(const Tensor& x) { return call1("sigmoid", {&x}); }
// Activation `activation` (one of activation_names()) as its own op, where it cannot be fused
// into linear (after batch norm or a convolution); `slope` is leaky_relu's (elu keeps alpha 1).
inline Tensor activate(const Tensor& x, const std::string& activation, double slope = 0.01) {
    if (activation == "none") return x;
    if (activation == "leaky_relu") return leaky_relu(x, slope);
    const auto& names = activation_names();
    if (std::find(names.begin(), names.end(), activation) == names.end())
        throw Error("no activation named '" + activation + "' (activations: " CHM_ACTIVATIONS ")", CHM_ERR_INVALID_ARGUMENT);
    return call1(activation.c_str(), {&x});
}

// The 1.3 SDK's activation codes (indices into CHM_ACTIVATIONS), kept so plugin source written
// for it still compiles; names are what the op set takes now.
struct [[deprecated("pass activation names (ops::activation_names()) instead of codes")]] Act {
    static constexpr int none = 0, relu = 1, leaky_relu = 2, tanh = 3, sigmoid = 4, elu = 5;
};
// The name of activation code `code` (an index into CHM_ACTIVATIONS).
inline const std::string& activation_name(int code) {
    const auto& names = activation_names();
    if (code < 0 || code >= static_cast<int>(names.size()))
        throw Error("no activation with code " + std::to_string(code) + " (activations: " CHM_ACTIVATIONS ")",
                    CHM_ERR_INVALID_ARGUMENT);
    return names[static_cast<std::size_t>(code)];
}
[[deprecated("pass the activation's name")]] inline Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b,
                                                                 int activation, double alpha = -1) {
    return linear(x, w, b, activation_name(activation), alpha);
}
[[deprecated("pass the activation's name")]] inline Tensor activate(const Tensor& x, int activation, double slope = 0.01) {
    return activate(x, activation_name(activation), slope);
}
[[deprecated("use the activation's name")]] inline int act_code(const std::string& name) {
    const auto& names = activation_names();
    auto it = std::find(names.begin(), names.end(), name);
    return it == names.end() ? 0 : static_cast<int>(it - names.begin());
}
[[deprecated("use activation_alpha")]] inline double slope_alpha(int code, double slope) {
    return code == 2 ? slope : -1;
}
inline Tensor softplus(const Tensor& x) { return call1("softplus", {&x}); }
inline Tensor exp(const Tensor& x) { return call1("exp", {&x}); }
inline Tensor log(const Tensor& x) { return call1("log", {&x}); }
inline Tensor sqrt(const Tensor& x) { return call1("sqrt", {&x}); }
inline Tensor square(const Tensor& x) { return call1("square", {&x}); }
inline Tensor abs(const Tensor& x) { return call1("abs", {&x}); }
inline Tensor add(const Tensor& a, const Tensor& b) { return call1("add", {&a, &b}); }
inline Tensor sub(const Tensor& a, const Tensor& b) { return call1("sub", {&a, &b}); }
inline Tensor mul(const Tensor& a, const Tensor& b) { return call1("mul", {&a, &b}); }
inline Tensor div(const Tensor& a, const Tensor& b) { return call1("div", {&a, &b}); }
// Elementwise larger / smaller of a and b (broadcasting); a tie sends half the gradient to each.
inline Tensor maximum(const Tensor& a, const Tensor& b) { return call1("maximum", {&a, &b}); }
inline Tensor minimum(const Tensor& a, const Tensor& b) { return call1("minimum", {&a, &b}); }
// Comparisons (broadcasting): float32 1 where a op b holds, else 0; no gradient.
inline Tensor greater(const Tensor& a, const Tensor& b) { return call1("greater", {&a, &b}); }
inline Tensor greater_equal(const Tensor& a, const Tensor& b) { return call1("greater_equal", {&a, &b}); }
inline Tensor less(const Tensor& a, const Tensor& b) { return call1("less", {&a, &b}); }
inline Tensor less_equal(const Tensor& a, const Tensor& b) { return call1("less_equal", {&a, &b}); }
inline Tensor equal(const Tensor& a, const Tensor& b) { return call1("equal", {&a, &b}); }
inline Tensor not_equal(const Tensor& a, const Tensor& b) { return call1("not_equal", {&a, &b}); }
// a where cond != 0, else b (float32 cond, all three broadcasting); gradients to a and b.
inline Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) { return call1("where", {&cond, &a, &b}); }
inline Tensor add_scalar(const Tensor& x, double c) { return call1("add_scalar", {&x}, {{"c", c}}); }
inline Tensor mul_scalar(const Tensor& x, double c) { return call1("mul_scalar", {&x}, {{"c", c}}); }
inline Tensor pow_scalar(const Tensor& x, double p) { return call1("pow_scalar", {&x}, {{"p", p}}); }
// sum / mean over `axes` (all when empty).
// The numbers of a list, as an attribute takes them.
template <class T>
std::vector<double> numbers(const std::vector<T>& items) {
    return std::vector<double>(items.begin(), items.end());
}
inline Tensor sum(const Tensor& x, const std::vector<int>& axes = {}, bool keepdim = false) {
    return call1("sum", {&x}, {{"keepdim", keepdim ? 1.0 : 0.0}, {"axes", numbers(axes)}});
}
inline Tensor mean(const Tensor& x, const std::vector<int>& axes = {}, bool keepdim = false) {
    return call1("mean", {&x}, {{"keepdim", keepdim ? 1.0 : 0.0}, {"axes", numbers(axes)}});
}
// The largest value over `axes` (all when empty), as torch.amax: ties share the gradient.
inline Tensor max(const Tensor& x, const std::vector<int>& axes = {}, bool keepdim = false) {
    return call1("max", {&x}, {{"keepdim", keepdim ? 1.0 : 0.0}, {"axes", numbers(axes)}});
}
// int32 index of the largest value along `axis` (the first among ties).
inline Tensor argmax(const Tensor& x, int axis = -1, bool keepdim = false) {
    return call1("argmax", {&x}, {{"axis", double(axis)}, {"keepdim", keepdim ? 1.0 : 0.0}});
}
// log(sum(exp(x))) over `axes` (all when empty), computed stably.
inline Tensor logsumexp(const Tensor& x, const std::vector<int>& axes = {}, bool keepdim = false) {
    return call1("logsumexp", {&x}, {{"keepdim", keepdim ? 1.0 : 0.0}, {"axes", numbers(axes)}});
}
// The variance over `axes` (all when empty), divided by n - correction (1: unbiased, as torch.var).
inline Tensor var(const Tensor& x, const std::vector<int>& axes = {}, bool keepdim = false, int correction = 1) {
    return call1("var", {&x}, {{"correction", double(correction)}, {"keepdim", keepdim ? 1.0 : 0.0}, {"axes", numbers(axes)}});
}
// x with `value` around it; `pads` in pairs from the last dimension backwards (F.pad's order),
// none negative.
inline Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, double value = 0) {
    return call1("pad", {&x}, {{"value", value}, {"pads", numbers(pads)}});
}
// x [N, C, H, W] enlarged by integer factors: each pixel repeated, or bilinear (align_corners false).
inline Tensor upsample_nearest(const Tensor& x, int scale_h, int scale_w = 0) {
    return call1("upsample_nearest", {&x}, {{"scale", std::vector<double>{double(scale_h), double(scale_w ? scale_w : scale_h)}}});
}
inline Tensor upsample_bilinear(const Tensor& x, int scale_h, int scale_w = 0) {
    return call1("upsample_bilinear", {&x}, {{"scale", std::vector<double>{double(scale_h), double(scale_w ? scale_w : scale_h)}}});
}
inline Tensor reshape(const Tensor& x, const std::vector<int64_t>& dims) {
    return call1("reshape", {&x}, {{"shape", numbers(dims)}});
}
inline Tensor flatten(const Tensor& x, int start_axis = 1) {
    return call1("flatten", {&x}, {{"start_axis", double(start_axis)}});
}
inline Tensor rsub_scalar(const Tensor& x, double c) { return call1("rsub_scalar", {&x}, {{"c", c}}); }
inline Tensor clamp(const Tensor& x, double lo, double hi) { return call1("clamp", {&x}, {{"min", lo}, {"max", hi}}); }
inline Tensor permute(const Tensor& x, const std::vector<int>& axes) {
    return call1("permute", {&x}, {{"axes", numbers(axes)}});
}
inline Tensor transpose(const Tensor& x, int axis0 = -2, int axis1 = -1) {
    return call1("transpose", {&x}, {{"axis0", double(axis0)}, {"axis1", double(axis1)}});
}
inline Tensor concat(const std::vector<Tensor>& xs, int axis) {
    std::vector<const Tensor*> in;
    for (const Tensor& x : xs) in.push_back(&x);
    return call1("concat", in, {{"axis", double(axis)}});
}
inline Tensor slice(const Tensor& x, int axis, int64_t start, int64_t stop, int64_t step = 1) {
    return call1("slice", {&x}, {{"axis", double(axis)}, {"start", double(start)}, {"stop", double(stop)},
                                  {"step", double(step)}});
}
// table[indices]: int32 indices of any shape, float32 table [V, D] -> [..., D].
inline Tensor embedding(const Tensor& indices, const Tensor& table) { return call1("embedding", {&indices, &table}); }
// logits[i, labels[i]] for float32 logits [N, C] and int32 labels [N].
inline Tensor gather_classes(const Tensor& logits, const Tensor& labels) {
    return call1("gather_classes", {&logits, &labels});
}
// Random tensors: each call draws a fresh stream of the run's counter-based generator, so
// results depend on the seed and the order of calls, never on the thread count.
inline Tensor random_uniform(Host host, const std::vector<int64_t>& shape, double lo = 0, double hi = 1) {
    return std::move(call(host, "random_uniform", {}, {{"low", lo}, {"high", hi}, {"shape", numbers(shape)}})[0]);
}
inline Tensor random_normal(Host host, const std::vector<int64_t>& shape, double mean = 0, double std = 1) {
    return std::move(call(host, "random_normal", {}, {{"mean", mean}, {"std", std}, {"shape", numbers(shape)}})[0]);
}
// 1 with probability p (elementwise), else 0.
inline Tensor bernoulli(const Tensor& p) { return call1("bernoulli", {&p}); }

}  // namespace ops

}  // namespace chimera

#endif  // CHIMERA_CPP_OPS_HPP
