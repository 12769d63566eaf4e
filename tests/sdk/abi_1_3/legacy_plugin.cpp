// A plugin as a model author built it against SDK 1.3, kept with the 1.3 headers beside it
// (tests/sdk/abi_1_3/include, copied from the 1.3 release) so it is always built from source as
// it was then: ops found by name alone and called with positional attributes, activation codes,
// no ports. Its encoder and generator repeat the built-in mlp's maths and parameter names, so a
// pipeline trained with them must give the built-in mlp's losses exactly. Not a model to use.
#include <chimera/chimera.hpp>

#include <cmath>

namespace {

using chimera::Param;
using chimera::Tensor;
namespace ops = chimera::ops;

std::vector<Param> legacy_params(int64_t default_out) {
    return {Param::int_list("hidden", {512, 256}, "widths of the hidden layers (relu)").min(1),
            Param::string("activation", "relu", "activation of the hidden layers").choices({"relu", "tanh"}),
            Param::string("head", "single", "single (y) or gaussian (mu, logvar)").choices({"single", "gaussian"}),
            Param::integer("out_features", default_out, "width of the output").min(1),
            Param::int_list("output_shape", {}, "reshape y to [N, output_shape...]").min(1)};
}

// The 1.3 way: parameters made on the first forward, from the width of the first input.
template <class Kind>
class LegacyMlp : public Kind {
public:
    static chimera::Description describe() {
        constexpr bool encoder = std::is_same_v<Kind, chimera::Encoder>;
        return {"legacy_mlp", "1.3.0", "An mlp built against the 1.3 SDK", legacy_params(encoder ? 20 : 784)};
    }
    LegacyMlp(chimera::Host host, const chimera::Config& c)
        : Kind(host), input_(std::is_same_v<Kind, chimera::Encoder> ? "x" : "z"),
          hidden_(c.get<std::vector<int64_t>>("hidden")),
          activation_(c.get<std::string>("activation") == "relu" ? ops::Act::relu : ops::Act::tanh),
          gaussian_(c.get<std::string>("head") == "gaussian"), out_(c.get<int64_t>("out_features")),
          output_shape_(c.get<std::vector<int64_t>>("output_shape")) {}

    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        Tensor h = ops::flatten(in[input_]);
        if (layers_.empty()) build(h.dim(1));
        for (const Dense& l : layers_) h = ops::linear(h, l.weight, l.bias, activation_);
        if (gaussian_) {
            out.set("mu", ops::linear(h, heads_[0].weight, heads_[0].bias));
            out.set("logvar", ops::linear(h, heads_[1].weight, heads_[1].bias));
            return;
        }
        Tensor y = ops::linear(h, heads_[0].weight, heads_[0].bias);
        if (!output_shape_.empty()) {
            std::vector<int64_t> shape{y.dim(0)};
            shape.insert(shape.end(), output_shape_.begin(), output_shape_.end());
            y = ops::reshape(y, shape);
        }
        out.set("y", y);
    }

private:
    struct Dense {
        Tensor weight, bias;
    };
    Dense dense(const std::string& name, int64_t in, int64_t out) {
        double bound = 1.0 / std::sqrt(static_cast<double>(in));
        return {this->parameter(name + ".weight", {out, in}, CHM_INIT_KAIMING_UNIFORM, std::sqrt(5.0)),
                this->parameter(name + ".bias", {out}, CHM_INIT_UNIFORM, -bound, bound)};
    }
    void build(int64_t in) {
        for (std::size_t i = 0; i < hidden_.size(); ++i) {
            layers_.push_back(dense("fc" + std::to_string(i), in, hidden_[i]));
            in = hidden_[i];
        }
        heads_.push_back(dense(gaussian_ ? "mu" : "out", in, out_));
        if (gaussian_) heads_.push_back(dense("logvar", in, out_));
    }

    std::string input_;
    std::vector<int64_t> hidden_;
    int activation_;
    bool gaussian_;
    int64_t out_;
    std::vector<int64_t> output_shape_;
    std::vector<Dense> layers_, heads_;
};

// Squared error summed per example and averaged over the batch, through positional reductions.
class LegacySquaredError : public chimera::Loss {
public:
    static chimera::Description describe() {
        return {"legacy_squared_error", "1.3.0", "sum over each example of (x - target)^2, mean over the batch", {}};
    }
    LegacySquaredError(chimera::Host host, const chimera::Config&) : chimera::Loss(host) {}
    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        Tensor d = ops::square(ops::sub(in["x"], in["target"]));
        Tensor per_example = ops::sum(ops::flatten(d), {1});
        out.set("loss", ops::mean(per_example));
    }
};

}  // namespace

CHIMERA_PLUGIN("legacy", "1.3.0", "Components built against the Chimera 1.3 SDK", LegacyMlp<chimera::Encoder>,
               LegacyMlp<chimera::Generator>, LegacySquaredError)
