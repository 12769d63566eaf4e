// What the `conv` encoder and the `deconv` generator share: the per-block option lists, the
// shape plan they are checked against, the class condition, and the layers (PyTorch's
// initialisation) with batch norm, activation and dropout. Not a layer library for other plugins.
#pragma once

#include <chimera/chimera.hpp>

#include <array>
#include <cmath>
#include <string>
#include <vector>

namespace conv_plugin {

using chimera::Param;
using chimera::Tensor;
namespace ops = chimera::ops;

// Every activation the host has (CHM_ACTIVATIONS): linear fuses them all.
inline const std::vector<std::string>& activation_names = ops::activation_names();


inline chimera::Error invalid(const std::string& message) { return chimera::Error(message, CHM_ERR_INVALID_ARGUMENT); }

template <class T>
std::string list_text(const std::vector<T>& v) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + std::to_string(v[i]);
    return out + "]";
}

// The class labels' port, named by option `condition` (absent when it is "").
inline chimera::Port condition_port() {
    return chimera::Port::input("{condition}", CHM_DTYPE_I32, "[N, ...]", "int32 class labels, one per example");
}

// The options both components read, beside their own.
inline std::vector<Param> condition_params() {
    return {Param::string("condition", "", "input holding int32 class labels [N] to condition on (empty: none)"),
            Param::integer("classes", 10, "number of classes of the condition").min(1),
            Param::string("condition_mode", "one_hot",
                          "one_hot (a fixed identity row per class) or embed (a trained table)")
                .choices({"one_hot", "embed"}),
            Param::integer("embed_dim", 16, "width of the trained class embedding (condition_mode: embed)").min(1)};
}
inline std::vector<Param> block_params(bool transposed) {
    std::vector<Param> p{
        Param::int_list("kernel", {transposed ? 4 : 3}, "kernel size of each block (one value: every block)").min(1),
        Param::int_list("stride", {transposed ? 2 : 1}, "stride of each block").min(1),
        Param::int_list("padding", {transposed ? 1 : -1},
                        "padding of each block (-1: kernel/2, which keeps the size of odd kernels at stride 1)")
            .min(-1),
        Param::string_list("norm", {"none"}, "normalisation of each block, after its convolution")
            .choices({"none", "batch"}),
        Param::string_list("activation",
                           transposed ? std::vector<std::string>{"relu", "sigmoid"} : std::vector<std::string>{"relu"},
                           "activation of each block, after its normalisation")
            .choices(activation_names),
        Param::real("negative_slope", 0.2, "slope of leaky_relu").min(0),
        Param::float_list("dropout", {0.0}, "dropout probability at the end of each block").range(0, 0.99)};
    if (transposed)
        p.insert(p.begin() + 3,
                 Param::int_list("output_padding", {0},
                                 "extra rows and columns at the end of each block's output (less than its stride)")
                     .min(0));
    else
        p.insert(p.begin() + 3,
                 Param::string_list("pool", {"max", "max", "none"}, "2x2 pooling with stride 2 ending each block")
                     .choices({"none", "max", "avg"}));
    return p;
}
inline std::vector<Param> hidden_params(bool transposed) {
    return {
        Param::int_list(
            "hidden", {},
            transposed ? "widths of dense layers before start_shape" : "widths of dense layers before the head")
            .min(1),
        Param::string("hidden_activation", "relu", "activation of the hidden dense layers").choices(activation_names),
        Param::real("hidden_dropout", 0.0, "dropout probability after each hidden dense layer").range(0, 0.99)};
}

// One entry per block of every per-block option. A list holds one value (for every block) or
// one value per block; anything else names the option.
struct Blocks {
    std::vector<int64_t> channels, kernel, stride, padding, output_padding;
    std::vector<std::string> pool, norm;
    std::vector<std::string> activation;
    std::vector<double> dropout;

    Blocks(const chimera::Config& c, bool transposed) : channels(c.get<std::vector<int64_t>>("channels")) {
        if (channels.empty()) throw invalid(c.where("channels") + ": channels needs at least one block");
        kernel = per_block<int64_t>(c, "kernel");
        stride = per_block<int64_t>(c, "stride");
        padding = per_block<int64_t>(c, "padding");
        for (std::size_t i = 0; i < size(); ++i)
            if (padding[i] < 0) padding[i] = kernel[i] / 2;
        output_padding = transposed ? per_block<int64_t>(c, "output_padding") : std::vector<int64_t>(size(), 0);
        pool = transposed ? std::vector<std::string>(size(), "none") : per_block<std::string>(c, "pool");
        norm = per_block<std::string>(c, "norm");
        activation = per_block<std::string>(c, "activation");
        dropout = per_block<double>(c, "dropout");
    }
    std::size_t size() const { return channels.size(); }

private:
    template <class T>
    std::vector<T> per_block(const chimera::Config& c, const char* key) const {
        auto v = c.get<std::vector<T>>(key);
        if (v.size() == 1) return std::vector<T>(size(), v[0]);
        if (v.size() != size())
            throw invalid(c.where(key) + ": " + key + " has " + std::to_string(v.size()) + " values for " +
                          std::to_string(size()) + " blocks (channels has " + std::to_string(size()) +
                          "); give one value for every block or one per block");
        return v;
    }
};

// The [C, H, W] before the blocks and after each, for the errors that explain a shape.
using Shape3 = std::array<int64_t, 3>;
inline std::string shape_text(const Shape3& s) { return list_text(std::vector<int64_t>(s.begin(), s.end())); }
inline std::string plan_text(const std::vector<Shape3>& plan, const std::string& first) {
    std::string out = first + " " + shape_text(plan[0]);
    for (std::size_t i = 1; i < plan.size(); ++i) out += " -> block " + std::to_string(i) + " " + shape_text(plan[i]);
    return out;
}

// The optional class condition: int32 labels [N] read from input `port`, each made a row of
// `width` values: one-hot (rows of a fixed identity table, never saved) or a trained embedding.
struct Condition {
    std::string port;
    int64_t classes = 0;
    bool embed = false;
    int64_t width = 0;
    Tensor table;

    explicit Condition(const chimera::Config& c)
        : port(c.get<std::string>("condition")),
          classes(c.get<int64_t>("classes")),
          embed(c.get<std::string>("condition_mode") == "embed"),
          width(port.empty() ? 0 : (embed ? c.get<int64_t>("embed_dim") : classes)) {}
    bool enabled() const { return !port.empty(); }

    // The rows [N, width] for a batch of `batch` examples; throws naming the port when the
    // labels are missing, of another type or count, or out of range.
    Tensor rows(const chimera::Inputs& in, int64_t batch) const {
        if (!in.has(port)) {
            std::string names;
            for (uint32_t i = 0; i < in.size(); ++i) names += (i ? ", " : "") + in.name(i);
            throw chimera::Error("condition input '" + port +
                                     "' is missing (inputs: " + (names.empty() ? "none" : names) +
                                     "); feed it the class labels or drop the condition option",
                                 CHM_ERR_NOT_FOUND);
        }
        Tensor labels = in[port];
        if (labels.dtype() != CHM_DTYPE_I32)
            throw chimera::Error("condition input '" + port + "' must hold int32 class labels, not float32",
                                 CHM_ERR_TYPE);
        if (labels.rank() < 1 || labels.numel() != batch || labels.dim(0) != batch)
            throw invalid("condition input '" + port + "' is " + list_text(labels.shape()) +
                          "; it needs one label per example of the batch of " + std::to_string(batch));
        const int32_t* l = labels.data_i32();
        for (int64_t i = 0; i < batch; ++i)
            if (l[i] < 0 || l[i] >= classes)
                throw invalid("condition input '" + port + "': label " + std::to_string(l[i]) + " (example " +
                              std::to_string(i) + ") is outside [0, " + std::to_string(classes) +
                              "); raise classes or fix the labels");
        Tensor rows = ops::embedding(labels, table);
        return labels.rank() == 1 ? rows : ops::reshape(rows, {batch, width});
    }
};

// Shared by both components: layers made with the module's parameters, applied in order.
template <class Kind>
class ConvNet : public Kind {
protected:
    ConvNet(chimera::Host host, const chimera::Config& c)
        : Kind(host),
          slope_(c.get<double>("negative_slope")),
          hidden_dropout_(c.get<double>("hidden_dropout")),
          hidden_(c.get<std::vector<int64_t>>("hidden")),
          hidden_activation_(c.get<std::string>("hidden_activation")),
          condition_(c) {
        build_condition();
    }

    // A layer's weights and, when it is normalised, its batch norm's.
    struct Layer {
        Tensor weight, bias, gamma, beta, running_mean, running_var;
    };

    // PyTorch's nn.Linear: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
    Layer dense(const std::string& name, int64_t in, int64_t out) { return with_bias(name, {out, in}, in, out); }
    // PyTorch's nn.Conv2d ([O, C, k, k], fan_in C k k) and nn.ConvTranspose2d ([C, O, k, k],
    // fan_in O k k: PyTorch reads the fans from the weight's first two dimensions either way).
    Layer conv(const std::string& name, int64_t in, int64_t out, int64_t k, bool transposed) {
        std::vector<int64_t> shape =
            transposed ? std::vector<int64_t>{in, out, k, k} : std::vector<int64_t>{out, in, k, k};
        return with_bias(name, shape, shape[1] * k * k, out);
    }
    // PyTorch's BatchNorm: gamma 1, beta 0, running mean 0 and variance 1.
    void add_batch_norm(Layer& l, const std::string& name, int64_t channels) {
        l.gamma = this->parameter(name + ".bn.weight", {channels}, CHM_INIT_CONSTANT, 1.0);
        l.beta = this->parameter(name + ".bn.bias", {channels}, CHM_INIT_ZEROS);
        l.running_mean = this->buffer(name + ".bn.running_mean", {channels}, CHM_INIT_ZEROS);
        l.running_var = this->buffer(name + ".bn.running_var", {channels}, CHM_INIT_CONSTANT, 1.0);
    }
    // The one-hot table or the trained embedding (it does not depend on the input's shape).
    void build_condition() {
        if (!condition_.enabled()) return;
        if (condition_.embed) {
            condition_.table =
                this->parameter("embed.weight", {condition_.classes, condition_.width}, CHM_INIT_NORMAL, 0.0, 1.0);
            return;
        }
        const int64_t k = condition_.classes;
        std::vector<float> eye(static_cast<std::size_t>(k * k), 0.0f);
        for (int64_t i = 0; i < k; ++i) eye[static_cast<std::size_t>(i * k + i)] = 1.0f;
        condition_.table = Tensor::from(this->host(), {k, k}, eye);
    }
    // The hidden dense layers from `width` features; leaves `width` at the last one's.
    void build_hidden(int64_t& width) {
        for (std::size_t i = 0; i < hidden_.size(); ++i) {
            hidden_layers_.push_back(dense("fc" + std::to_string(i + 1), width, hidden_[i]));
            width = hidden_[i];
        }
    }

    Tensor hidden_forward(Tensor h) const {
        for (const Layer& l : hidden_layers_)
            h = drop(ops::linear(h, l.weight, l.bias, hidden_activation_, ops::activation_alpha(hidden_activation_, slope_)), hidden_dropout_);
        return h;
    }
    Tensor normalise(const Tensor& x, const Layer& l) const {
        return l.gamma.defined() ? ops::batch_norm(x, l.gamma, l.beta, l.running_mean, l.running_var, this->training())
                                 : x;
    }
    Tensor activate(const Tensor& x, const std::string& activation) const { return ops::activate(x, activation, slope_); }
    Tensor drop(const Tensor& x, double p) const { return p > 0 ? ops::dropout(x, p, this->training()) : x; }

    double slope_, hidden_dropout_;
    std::vector<int64_t> hidden_;
    std::string hidden_activation_;
    std::vector<Layer> hidden_layers_;
    Condition condition_;

private:
    Layer with_bias(const std::string& name, const std::vector<int64_t>& shape, int64_t fan_in, int64_t out) {
        double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
        Layer l;
        l.weight = this->parameter(name + ".weight", shape, CHM_INIT_KAIMING_UNIFORM, std::sqrt(5.0));
        l.bias = this->parameter(name + ".bias", {out}, CHM_INIT_UNIFORM, -bound, bound);
        return l;
    }
};

}  // namespace conv_plugin
