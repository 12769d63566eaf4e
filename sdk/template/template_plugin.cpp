// Template plugin: an MLP encoder and a mean-squared-error loss, showing how a component declares
// its options, reads them from the host-validated configuration, reports errors that point at
// the YAML, makes trainable parameters and computes with the host's ops (chimera::ops), through
// which the host differentiates.
#include <chimera/chimera.hpp>

#include <cmath>
#include <string>
#include <vector>

// The plugin's name, from its folder (see CMakeLists.txt): a copy in my_plugin/ defines
// my_plugin_encoder and my_plugin_loss.
#ifndef PLUGIN_NAME
#define PLUGIN_NAME "template"
#endif

namespace {

class TemplateEncoder : public chimera::Encoder {
public:
    // The schema: the host validates every configuration against it before create, fills in
    // defaults, and prints it for `chimera plugins --describe template_encoder`. The ports say
    // what forward reads and writes: the host checks a pipeline's in: and out: against their
    // names before it runs, and every call's tensors against their dtypes and shapes.
    static chimera::Description describe() {
        using chimera::Param;
        using chimera::Port;
        return {PLUGIN_NAME "_encoder", "0.1.0", "Template encoder: copy it to start your own",
                {Param::integer("in_features", 784, "width of the flattened input").min(1),
                 Param::int_list("hidden", {512, 256}, "widths of the hidden layers").min(1),
                 Param::integer("latent", 20, "width of the code").range(1, 4096),
                 Param::string("activation", "relu", "activation after each hidden layer")
                     .choices({"relu", "tanh", "sigmoid", "none"}),
                 Param::real("dropout", 0.0, "dropout probability after each hidden layer")
                     .range(0.0, 0.99)},
                {Port::input("x", CHM_DTYPE_F32, "[N, ...]", "the data, flattened to [N, in_features]")},
                {Port::output("z", CHM_DTYPE_F32, "[N, D]", "the code, D = latent")}};
    }

    // Read options here and keep copies: the configuration is valid only during construction.
    TemplateEncoder(chimera::Host host, const chimera::Config& config)
        : chimera::Encoder(host),
          in_features_(config.get<int64_t>("in_features")),
          hidden_(config.get<std::vector<int64_t>>("hidden")),
          latent_(config.get<int64_t>("latent")),
          activation_(config.get<std::string>("activation")),
          dropout_(config.get<double>("dropout")) {
        // Rules the schema cannot express are checked here; where() names file:line:col.
        if (hidden_.empty())
            throw chimera::Error(config.where("hidden") + ": needs at least one hidden layer",
                                 CHM_ERR_INVALID_ARGUMENT);
        // Parameters are made here, once; the host names them "<instance>.fc0.weight" and so on.
        int64_t width = in_features_;
        for (std::size_t i = 0; i < hidden_.size(); ++i) {
            layers_.push_back(dense("fc" + std::to_string(i), width, hidden_[i]));
            width = hidden_[i];
        }
        head_ = dense("head", width, latent_);
        host.debug("template_encoder: " + std::to_string(hidden_.size()) + " hidden layers, " +
                   activation_ + ", latent " + std::to_string(latent_));
    }

    // Reads input "x" ([N, ...], flattened to [N, in_features]) and writes the code "z" [N, latent].
    void forward(const chimera::Inputs& inputs, chimera::Outputs& outputs) override {
        chimera::Tensor h = chimera::ops::flatten(inputs["x"]);
        for (const Dense& layer : layers_) {
            // The activation runs inside the linear primitive (fused), not as a separate op.
            h = chimera::ops::linear(h, layer.weight, layer.bias, activation_);
            if (dropout_ > 0) h = chimera::ops::dropout(h, dropout_, true);
        }
        outputs.set("z", chimera::ops::linear(h, head_.weight, head_.bias));
    }

private:
    struct Dense {
        chimera::Tensor weight, bias;
    };

    // PyTorch's default for nn.Linear: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
    Dense dense(const std::string& name, int64_t in, int64_t out) {
        double bound = 1.0 / std::sqrt(static_cast<double>(in));
        return {parameter(name + ".weight", {out, in}, CHM_INIT_KAIMING_UNIFORM, std::sqrt(5.0)),
                parameter(name + ".bias", {out}, CHM_INIT_UNIFORM, -bound, bound)};
    }

    int64_t in_features_;
    std::vector<int64_t> hidden_;
    int64_t latent_;
    std::string activation_;
    double dropout_;
    std::vector<Dense> layers_;
    Dense head_;
};

// A loss writes one scalar "loss". Its weight in the objective is the pipeline's `weight:` key,
// not an option of its own; chimera::reduction gives it the `reduction` option every loss has.
class TemplateLoss : public chimera::Loss {
public:
    static chimera::Description describe() {
        using chimera::Port;
        return {PLUGIN_NAME "_loss", "0.1.0", "Template loss: squared error (x - target)^2, reduced",
                {chimera::reduction::param("mean")},
                {Port::input("x", CHM_DTYPE_F32, "[N, ...]", "the prediction"),
                 Port::input("target", CHM_DTYPE_F32, "[N, ...]", "what it should be, shaped like x")},
                {Port::output("loss", CHM_DTYPE_F32, "[]", "(x - target)^2, reduced")}};
    }
    TemplateLoss(chimera::Host host, const chimera::Config& config)
        : chimera::Loss(host), reduction_(config.get<std::string>("reduction")) {}

    void forward(const chimera::Inputs& inputs, chimera::Outputs& outputs) override {
        chimera::Tensor error = chimera::ops::sub(inputs["x"], inputs["target"]);
        outputs.set("loss", chimera::reduction::apply(chimera::ops::square(error), reduction_));
    }

private:
    std::string reduction_;
};

}  // namespace

// The library's one exported symbol: its name, version, description and components.
CHIMERA_PLUGIN(PLUGIN_NAME, "0.1.0", "Template plugin to copy when writing your own",
               TemplateEncoder, TemplateLoss)
