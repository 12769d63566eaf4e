// Test plugin: a tiny two-layer network written with the SDK's wrapper alone, trained by
// tests/sdk/test_plugin_compute.cpp with plain gradient descent through the host's autograd.
#include <chimera/chimera.hpp>

#include <cmath>

namespace {

class TinyMlp : public chimera::Encoder {
public:
    static chimera::Description describe() {
        using chimera::Param;
        return {"tiny_mlp", "1.0.0", "x -> tanh(x W1^T + b1) W2^T + b2",
                {Param::integer("inputs", 2, "input width").min(1),
                 Param::integer("hidden", 16, "hidden width").min(1),
                 Param::integer("outputs", 1, "output width").min(1)}};
    }
    TinyMlp(chimera::Host host, const chimera::Config& c) : chimera::Encoder(host) {
        int64_t in = c.get<int64_t>("inputs"), hidden = c.get<int64_t>("hidden"), out = c.get<int64_t>("outputs");
        w1_ = parameter("fc1.weight", {hidden, in}, CHM_INIT_XAVIER_UNIFORM, 1.0);
        b1_ = parameter("fc1.bias", {hidden}, CHM_INIT_ZEROS);
        w2_ = parameter("fc2.weight", {out, hidden}, CHM_INIT_XAVIER_UNIFORM, 1.0);
        b2_ = parameter("fc2.bias", {out}, CHM_INIT_ZEROS);
    }
    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        namespace ops = chimera::ops;
        out.set("y", ops::linear(ops::tanh(ops::linear(in["x"], w1_, b1_)), w2_, b2_));
    }

private:
    chimera::Tensor w1_, b1_, w2_, b2_;
};

// y = x + std * N(0, 1): random numbers reach plugins through the host, reproducibly.
class GaussianNoise : public chimera::Encoder {
public:
    static chimera::Description describe() {
        return {"gaussian_noise", "1.0.0", "x + std * N(0, 1)",
                {chimera::Param::real("std", 0.5, "standard deviation of the noise").min(0)}};
    }
    GaussianNoise(chimera::Host host, const chimera::Config& c) : chimera::Encoder(host), std_(c.get<double>("std")) {}
    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        chimera::Tensor x = in["x"];
        out.set("y", chimera::ops::add(x, chimera::ops::random_normal(host(), x.shape(), 0.0, std_)));
    }

private:
    double std_;
};

// A generator sharing the encoder's name, as kinds allow: both must instantiate side by side.
class TinyMlpGenerator : public chimera::Generator {
public:
    static chimera::Description describe() { return {"tiny_mlp", "1.0.0", "z -> x W^T", {}}; }
    TinyMlpGenerator(chimera::Host host, const chimera::Config&) : chimera::Generator(host) {
        w_ = parameter("fc1.weight", {2, 2}, CHM_INIT_ZEROS);
    }
    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        out.set("x", chimera::ops::linear(in["z"], w_));
    }

private:
    chimera::Tensor w_;
};

// A loader of 10 examples (field "x" = [i, -i]) whose read fails on example 7: for showing that
// failures on the host's prefetch thread reach the caller.
class FlakyLoader : public chimera::Loader {
public:
    static chimera::Description describe() { return {"flaky", "1.0.0", "Fails to read example 7", {}}; }
    FlakyLoader(chimera::Host h, const chimera::Config&) : chimera::Loader(h) {}
    int64_t size() const override { return 10; }
    std::vector<chimera::Field> fields() const override { return {{"x", CHM_DTYPE_F32, {2}}}; }
    void read(const std::vector<int64_t>& indices, std::vector<chimera::Tensor>& batch) override {
        for (std::size_t k = 0; k < indices.size(); ++k) {
            if (indices[k] == 7) throw chimera::Error("disk on fire at example 7", CHM_ERR_IO);
            batch[0].data()[2 * k] = static_cast<float>(indices[k]);
            batch[0].data()[2 * k + 1] = -static_cast<float>(indices[k]);
        }
    }
};

// Checks the wrapper's error path for forward: asks for an input that is not there.
class WantsMissingInput : public chimera::Encoder {
public:
    static chimera::Description describe() { return {"wants_missing_input", "1.0.0", "Reads input 'nope'", {}}; }
    using chimera::Encoder::Encoder;
    WantsMissingInput(chimera::Host h, const chimera::Config&) : chimera::Encoder(h) {}
    void forward(const chimera::Inputs& in, chimera::Outputs& out) override { out.set("y", in["nope"]); }
};

}  // namespace

CHIMERA_PLUGIN("mlp_plugin", "1.0.0", "A tiny network for tests", TinyMlp, TinyMlpGenerator, GaussianNoise,
               FlakyLoader, WantsMissingInput)
