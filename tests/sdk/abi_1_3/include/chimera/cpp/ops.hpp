// Part of the C++ wrapper (include <chimera/chimera.hpp>): chimera::ops, one typed function per
// host op, each called through the host table.
#ifndef CHIMERA_CPP_OPS_HPP
#define CHIMERA_CPP_OPS_HPP

#include <chimera/cpp/core.hpp>

namespace chimera {

// The host's ops. Each records itself for backward when an input requires gradients.
// `chimera ops` lists them with their inputs and attributes.
namespace ops {

// Calls op `name` through `host` with `inputs` (an empty Tensor for an absent optional input)
// and numeric `attrs`, returning `n_outputs` new tensors.
inline std::vector<Tensor> call(Host h, const char* name, const std::vector<const Tensor*>& inputs,
                                const std::vector<double>& attrs = {}, uint32_t n_outputs = 1) {
    const chm_host* host = h.raw();
    const chm_op* op = nullptr;
    h.check(host->op_find(host, name, &op));
    std::vector<const chm_tensor*> raw;
    for (const Tensor* t : inputs) raw.push_back(t && t->defined() ? t->raw() : nullptr);
    std::vector<chm_tensor*> out(n_outputs, nullptr);
    std::vector<Tensor> result;
    result.reserve(n_outputs);  // so taking over the references below cannot throw
    h.check(host->op_call(host, op, raw.data(), static_cast<uint32_t>(raw.size()), attrs.data(),
                          static_cast<uint32_t>(attrs.size()), out.data(), n_outputs));
    for (chm_tensor* t : out) result.emplace_back(host, t);
    return result;
}
// The same, finding the host through the first defined input.
inline std::vector<Tensor> call(const char* name, const std::vector<const Tensor*>& inputs,
                                const std::vector<double>& attrs = {}, uint32_t n_outputs = 1) {
    for (const Tensor* t : inputs)
        if (t && t->defined()) return call(Host(t->host()), name, inputs, attrs, n_outputs);
    throw Error(std::string(name) + ": needs at least one defined input tensor", CHM_ERR_INVALID_ARGUMENT);
}
inline Tensor call1(const char* name, const std::vector<const Tensor*>& inputs,
                    const std::vector<double>& attrs = {}) {
    return std::move(call(name, inputs, attrs)[0]);
}

// Activations linear can apply inside its primitive (a oneDNN post-op): cheaper than a separate op.
struct Act {
    static constexpr int none = 0, relu = 1, leaky_relu = 2, tanh = 3, sigmoid = 4, elu = 5;
};
// act(x w^T + b); `alpha` is leaky_relu's slope or elu's alpha (negative: the op's default).
inline Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b = Tensor(), int activation = Act::none,
                     double alpha = -1) {
    if (activation == Act::none) return call1("linear", {&x, &w, &b});
    if (alpha < 0) return call1("linear", {&x, &w, &b}, {double(activation)});
    return call1("linear", {&x, &w, &b}, {double(activation), alpha});
}
inline Tensor matmul(const Tensor& a, const Tensor& b) { return call1("matmul", {&a, &b}); }
// softmax(scale q k^T + mask) v for q [B, H, T, D], k and v [B, H, S, D], in one op: `mask` (may
// be empty) is additive, [T, S] or [B|1, H|1, T|1, S]; `scale` 0 means 1 / sqrt(D); `causal`
// leaves out keys after each query.
inline Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask = Tensor(), double scale = 0,
                        bool causal = false) {
    return call1("attention", {&q, &k, &v, &mask}, {scale, causal ? 1.0 : 0.0});
}
inline Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride = 1, int padding = 0,
                     int dilation = 1, int groups = 1) {
    return call1("conv2d", {&x, &w, &b}, {double(stride), double(stride), double(padding),
                                          double(padding), double(dilation), double(dilation), double(groups)});
}
inline Tensor conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b, int stride = 1,
                               int padding = 0, int output_padding = 0, int groups = 1, int dilation = 1) {
    return call1("conv_transpose2d", {&x, &w, &b},
                 {double(stride), double(stride), double(padding), double(padding), double(output_padding),
                  double(output_padding), double(groups), double(dilation), double(dilation)});
}
inline Tensor max_pool2d(const Tensor& x, int kernel, int stride = 0, int padding = 0) {
    int s = stride ? stride : kernel;
    return call1("max_pool2d", {&x}, {double(kernel), double(kernel), double(s), double(s), double(padding), double(padding)});
}
inline Tensor avg_pool2d(const Tensor& x, int kernel, int stride = 0, int padding = 0) {
    int s = stride ? stride : kernel;
    return call1("avg_pool2d", {&x}, {double(kernel), double(kernel), double(s), double(s), double(padding), double(padding)});
}
inline Tensor batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& running_mean,
                         const Tensor& running_var, bool training, double momentum = 0.1, double eps = 1e-5) {
    return call1("batch_norm", {&x, &gamma, &beta, &running_mean, &running_var},
                 {training ? 1.0 : 0.0, momentum, eps});
}
inline Tensor layer_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, double eps = 1e-5) {
    return call1("layer_norm", {&x, &gamma, &beta}, {eps});
}
inline Tensor softmax(const Tensor& x, int axis = -1) { return call1("softmax", {&x}, {double(axis)}); }
inline Tensor log_softmax(const Tensor& x, int axis = -1) { return call1("log_softmax", {&x}, {double(axis)}); }
inline Tensor dropout(const Tensor& x, double p, bool training) {
    return call1("dropout", {&x}, {p, training ? 1.0 : 0.0});
}
inline Tensor relu(const Tensor& x) { return call1("relu", {&x}); }
inline Tensor leaky_relu(const Tensor& x, double slope = 0.01) { return call1("leaky_relu", {&x}, {slope}); }
inline Tensor elu(const Tensor& x, double alpha = 1.0) { return call1("elu", {&x}, {alpha}); }
inline Tensor gelu(const Tensor& x) { return call1("gelu", {&x}); }
inline Tensor tanh(const Tensor& x) { return call1("tanh", {&x}); }
inline Tensor sigmoid(const Tensor& x) { return call1("sigmoid", {&x}); }
// The Act code named "relu", "leaky_relu", "tanh", "sigmoid" or "elu"; Act::none for anything else.
inline int act_code(const std::string& name) {
    if (name == "relu") return Act::relu;
    if (name == "leaky_relu") return Act::leaky_relu;
    if (name == "tanh") return Act::tanh;
    if (name == "sigmoid") return Act::sigmoid;
    if (name == "elu") return Act::elu;
    return Act::none;
}
// The alpha to give linear for activation `code` when a model's option is leaky_relu's `slope`:
// the slope for leaky_relu, the op's default (elu's 1) otherwise.
inline double slope_alpha(int code, double slope) { return code == Act::leaky_relu ? slope : -1; }
// Activation `code` (an Act value) as its own op, where it cannot be fused into linear (after
// batch norm or a convolution); `slope` is leaky_relu's (elu keeps alpha 1).
inline Tensor activate(const Tensor& x, int code, double slope = 0.01) {
    switch (code) {
    case Act::relu: return relu(x);
    case Act::leaky_relu: return leaky_relu(x, slope);
    case Act::tanh: return tanh(x);
    case Act::sigmoid: return sigmoid(x);
    case Act::elu: return elu(x);
    default: return x;
    }
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
inline Tensor add_scalar(const Tensor& x, double c) { return call1("add_scalar", {&x}, {c}); }
inline Tensor mul_scalar(const Tensor& x, double c) { return call1("mul_scalar", {&x}, {c}); }
inline Tensor pow_scalar(const Tensor& x, double p) { return call1("pow_scalar", {&x}, {p}); }
// sum / mean over `axes` (all when empty).
inline Tensor sum(const Tensor& x, const std::vector<int>& axes = {}, bool keepdim = false) {
    std::vector<double> a{keepdim ? 1.0 : 0.0};
    for (int ax : axes) a.push_back(ax);
    return call1("sum", {&x}, a);
}
inline Tensor mean(const Tensor& x, const std::vector<int>& axes = {}, bool keepdim = false) {
    std::vector<double> a{keepdim ? 1.0 : 0.0};
    for (int ax : axes) a.push_back(ax);
    return call1("mean", {&x}, a);
}
inline Tensor reshape(const Tensor& x, const std::vector<int64_t>& dims) {
    return call1("reshape", {&x}, std::vector<double>(dims.begin(), dims.end()));
}
inline Tensor flatten(const Tensor& x, int start_axis = 1) { return call1("flatten", {&x}, {double(start_axis)}); }
inline Tensor rsub_scalar(const Tensor& x, double c) { return call1("rsub_scalar", {&x}, {c}); }
inline Tensor clamp(const Tensor& x, double lo, double hi) { return call1("clamp", {&x}, {lo, hi}); }
inline Tensor permute(const Tensor& x, const std::vector<int>& axes) {
    return call1("permute", {&x}, std::vector<double>(axes.begin(), axes.end()));
}
inline Tensor transpose(const Tensor& x, int axis0 = -2, int axis1 = -1) {
    return call1("transpose", {&x}, {double(axis0), double(axis1)});
}
inline Tensor concat(const std::vector<Tensor>& xs, int axis) {
    std::vector<const Tensor*> in;
    for (const Tensor& x : xs) in.push_back(&x);
    return call1("concat", in, {double(axis)});
}
inline Tensor slice(const Tensor& x, int axis, int64_t start, int64_t stop, int64_t step = 1) {
    return call1("slice", {&x}, {double(axis), double(start), double(stop), double(step)});
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
    std::vector<double> a{lo, hi};
    a.insert(a.end(), shape.begin(), shape.end());
    return std::move(call(host, "random_uniform", {}, a)[0]);
}
inline Tensor random_normal(Host host, const std::vector<int64_t>& shape, double mean = 0, double std = 1) {
    std::vector<double> a{mean, std};
    a.insert(a.end(), shape.begin(), shape.end());
    return std::move(call(host, "random_normal", {}, a)[0]);
}
// 1 with probability p (elementwise), else 0.
inline Tensor bernoulli(const Tensor& p) { return call1("bernoulli", {&p}); }

}  // namespace ops

}  // namespace chimera

#endif  // CHIMERA_CPP_OPS_HPP
