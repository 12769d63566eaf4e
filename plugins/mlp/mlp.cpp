// The `mlp` encoder and generator: flatten, dense hidden layers (activation fused into each
// linear, optional batch norm and dropout), then one head ("y", optionally reshaped, e.g. to
// [1, 28, 28]) or a Gaussian head ("mu" and "logvar", for a VAE). Widths are inferred from the
// first input unless given. Initialised as PyTorch's nn.Linear. Built with the SDK alone.
#include <chimera/chimera.hpp>

#include <cmath>

namespace {

using chimera::Param;
using chimera::Tensor;
namespace ops = chimera::ops;

std::vector<chimera::Param> mlp_params(const char* default_input, int64_t default_out) {
    return {Param::string("input", default_input, "name of the input this node reads"),
            Param::integer("in_features", 0, "width of the flattened input (0: from the first batch)").min(0),
            Param::int_list("hidden", {512, 256}, "widths of the hidden layers").min(1),
            Param::string("activation", "relu", "activation of every hidden layer")
                .choices(ops::activation_names()),
            Param::string_list("activations", {}, "one activation per hidden layer (overrides activation)")
                .choices(ops::activation_names()),
            Param::real("negative_slope", 0.2, "slope of leaky_relu").min(0),
            Param::boolean("batch_norm", false, "batch normalisation after each hidden layer"),
            Param::real("dropout", 0.0, "dropout probability after each hidden layer").range(0, 0.99),
            Param::string("head", "single", "single (output y) or gaussian (outputs mu and logvar)")
                .choices({"single", "gaussian"}),
            Param::integer("out_features", default_out, "width of the output (the latent size for a gaussian head)").min(1),
            Param::string("output_activation", "none", "activation of the output").choices({"none", "sigmoid", "tanh"}),
            Param::int_list("output_shape", {}, "reshape y to [N, output_shape...] (e.g. [1, 28, 28])").min(1),
            Param::string("condition", "", "an int32 class input (e.g. label) joined one-hot to the input (\"\": none)"),
            Param::integer("classes", 10, "number of classes of the condition").range(1, 100000)};
}

// The ports of both kinds: the input named by option `input`, the class labels named by
// `condition` (absent when it is ""), and y or (head: gaussian) mu and logvar.
std::vector<chimera::Port> mlp_inputs() {
    using chimera::Port;
    return {Port::input("{input}", CHM_DTYPE_F32, "[N, ...]", "the data, flattened to [N, features]"),
            Port::input("{condition}", CHM_DTYPE_I32, "[N]", "int32 class labels, joined one-hot to the input")};
}
std::vector<chimera::Port> mlp_outputs() {
    using chimera::Port;
    return {Port::output("y", CHM_DTYPE_F32, "[N, ...]", "the output [N, out_features] or [N, output_shape...] (head: single)").optional(),
            Port::output("mu", CHM_DTYPE_F32, "[N, D]", "the Gaussian's mean, D = out_features (head: gaussian)").optional(),
            Port::output("logvar", CHM_DTYPE_F32, "[N, D]", "the Gaussian's log-variance (head: gaussian)").optional()};
}


// Shared by both kinds: they differ only in their defaults and kind.
template <class Kind>
class Mlp : public Kind {
public:
    static chimera::Description describe() {
        constexpr bool encoder = std::is_same_v<Kind, chimera::Encoder>;
        return {"mlp", "1.0.0",
                encoder ? "Dense encoder: flatten, hidden layers, one or a Gaussian (mu, logvar) head"
                        : "Dense generator: hidden layers, an output reshaped to the data's shape",
                mlp_params(encoder ? "x" : "z", encoder ? 20 : 784), mlp_inputs(), mlp_outputs()};
    }

    Mlp(chimera::Host host, const chimera::Config& c)
        : Kind(host), input_(c.get<std::string>("input")), in_features_(c.get<int64_t>("in_features")),
          hidden_(c.get<std::vector<int64_t>>("hidden")), slope_(c.get<double>("negative_slope")),
          batch_norm_(c.get<bool>("batch_norm")), dropout_(c.get<double>("dropout")),
          gaussian_(c.get<std::string>("head") == "gaussian"), out_features_(c.get<int64_t>("out_features")),
          output_activation_(c.get<std::string>("output_activation")),
          output_shape_(c.get<std::vector<int64_t>>("output_shape")), condition_(c.get<std::string>("condition")),
          classes_(c.get<int64_t>("classes")) {
        auto per_layer = c.get<std::vector<std::string>>("activations");
        if (!per_layer.empty() && per_layer.size() != hidden_.size())
            throw chimera::Error(c.where("activations") + ": " + std::to_string(per_layer.size()) + " activations for " +
                                     std::to_string(hidden_.size()) + " hidden layers",
                                 CHM_ERR_INVALID_ARGUMENT);
        for (std::size_t i = 0; i < hidden_.size(); ++i)
            activations_.push_back(per_layer.empty() ? c.get<std::string>("activation") : per_layer[i]);
        int64_t shaped = 1;
        for (int64_t d : output_shape_) shaped *= d;
        if (!output_shape_.empty() && (gaussian_ || shaped != out_features_))
            throw chimera::Error(c.where("output_shape") + ": output_shape has " + std::to_string(shaped) +
                                     " elements but out_features is " + std::to_string(out_features_) +
                                     (gaussian_ ? " (and a gaussian head cannot be reshaped)" : ""),
                                 CHM_ERR_INVALID_ARGUMENT);
        if (!condition_.empty()) one_hot_table();
        if (in_features_ > 0) build(in_features_ + (condition_.empty() ? 0 : classes_));
    }

    void forward(const chimera::Inputs& inputs, chimera::Outputs& outputs) override {
        Tensor h = ops::flatten(inputs[input_]);
        if (!condition_.empty()) h = ops::concat({h, ops::embedding(inputs[condition_], eye_)}, 1);
        if (layers_.empty() && head_.empty()) build(h.dim(1));
        if (h.dim(1) != width_in_)
            throw chimera::Error("input '" + input_ + "'" + (condition_.empty() ? "" : " with its one-hot '" + condition_ + "'") +
                                     " has " + std::to_string(h.dim(1)) + " features per example; this mlp was built for " +
                                     std::to_string(width_in_), CHM_ERR_INVALID_ARGUMENT);
        for (std::size_t i = 0; i < layers_.size(); ++i) {
            const Layer& l = layers_[i];
            if (batch_norm_) {  // normalise before the activation, so it is not fused here
                h = ops::linear(h, l.weight, l.bias);
                h = ops::batch_norm(h, l.gamma, l.beta, l.running_mean, l.running_var, this->training());
                h = activate(h, activations_[i]);
            } else {
                h = ops::linear(h, l.weight, l.bias, activations_[i], ops::activation_alpha(activations_[i], slope_));
            }
            if (dropout_ > 0) h = ops::dropout(h, dropout_, this->training());
        }
        if (gaussian_) {
            outputs.set("mu", ops::linear(h, head_[0].weight, head_[0].bias));
            outputs.set("logvar", ops::linear(h, head_[1].weight, head_[1].bias));
            return;
        }
        Tensor y = ops::linear(h, head_[0].weight, head_[0].bias, output_activation_);
        if (!output_shape_.empty()) {
            std::vector<int64_t> shape{y.dim(0)};
            shape.insert(shape.end(), output_shape_.begin(), output_shape_.end());
            y = ops::reshape(y, shape);
        }
        outputs.set("y", y);
    }

private:
    struct Layer {
        Tensor weight, bias, gamma, beta, running_mean, running_var;
    };

    // PyTorch's nn.Linear initialisation: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
    Layer dense(const std::string& name, int64_t in, int64_t out) {
        double bound = 1.0 / std::sqrt(static_cast<double>(in));
        Layer l;
        l.weight = this->parameter(name + ".weight", {out, in}, CHM_INIT_KAIMING_UNIFORM, std::sqrt(5.0));
        l.bias = this->parameter(name + ".bias", {out}, CHM_INIT_UNIFORM, -bound, bound);
        return l;
    }

    // The identity, a row per class: embedding it looks up one-hot vectors. Kept as a buffer
    // (never trained), so conditional models need no op of their own.
    void one_hot_table() {
        eye_ = this->buffer("condition.one_hot", {classes_, classes_}, CHM_INIT_ZEROS);
        float* e = eye_.data();
        for (int64_t k = 0; k < classes_; ++k) e[k * classes_ + k] = 1.0f;
    }

    void build(int64_t in) {
        width_in_ = in;
        for (std::size_t i = 0; i < hidden_.size(); ++i) {
            std::string name = "fc" + std::to_string(i);
            Layer l = dense(name, in, hidden_[i]);
            if (batch_norm_) {
                l.gamma = this->parameter(name + ".bn.weight", {hidden_[i]}, CHM_INIT_CONSTANT, 1.0);
                l.beta = this->parameter(name + ".bn.bias", {hidden_[i]}, CHM_INIT_ZEROS);
                l.running_mean = this->buffer(name + ".bn.running_mean", {hidden_[i]}, CHM_INIT_ZEROS);
                l.running_var = this->buffer(name + ".bn.running_var", {hidden_[i]}, CHM_INIT_CONSTANT, 1.0);
            }
            layers_.push_back(l);
            in = hidden_[i];
        }
        head_.push_back(dense(gaussian_ ? "mu" : "out", in, out_features_));
        if (gaussian_) head_.push_back(dense("logvar", in, out_features_));
    }

    Tensor activate(const Tensor& x, const std::string& activation) const { return ops::activate(x, activation, slope_); }

    std::string input_;
    int64_t in_features_, width_in_ = 0;
    std::vector<int64_t> hidden_;
    std::vector<std::string> activations_;
    double slope_;
    bool batch_norm_;
    double dropout_;
    bool gaussian_;
    int64_t out_features_;
    std::string output_activation_;
    std::vector<int64_t> output_shape_;
    std::string condition_;
    int64_t classes_;
    Tensor eye_;
    std::vector<Layer> layers_, head_;
};

}  // namespace

CHIMERA_PLUGIN("mlp", "1.0.0", "Dense (multi-layer perceptron) encoders and generators", Mlp<chimera::Encoder>,
               Mlp<chimera::Generator>)
