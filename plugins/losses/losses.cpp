// The built-in losses, each a scalar "loss" from named inputs, with a reduction:
//   batch_sum  sum over each example's elements, mean over the batch (a VAE's nats per image)
//   mean       mean over every element;  sum  sum of every element.
// mse, l1 (x, target); bce (probabilities x, target); bce_logits (logits x, target, computed as
// softplus(x) - x target, stable for large logits); kl_normal (mu, logvar) against N(0, I);
// gan (logits real and/or fake) for either player in four formulations; l1_penalty and
// l2_penalty, weight penalties sum |w| and sum w^2 over whatever parameter tensors the host
// passes as inputs (under their full names), without a reduction.
#include <chimera/chimera.hpp>

namespace {

using chimera::Param;
using chimera::Tensor;
namespace ops = chimera::ops;

Param reduction_param(const char* def) {
    return Param::string("reduction", def, "batch_sum (sum per example, mean over the batch), mean or sum")
        .choices({"batch_sum", "mean", "sum"});
}

std::string shape_text(const Tensor& t) {
    std::string s = "[";
    for (std::size_t i = 0; i < t.shape().size(); ++i) s += (i ? ", " : "") + std::to_string(t.shape()[i]);
    return s + "]";
}

Tensor reduce(const Tensor& elements, const std::string& reduction) {
    if (reduction == "mean") return ops::mean(elements);
    Tensor total = ops::sum(elements);
    if (reduction == "sum") return total;
    return ops::mul_scalar(total, 1.0 / static_cast<double>(elements.dim(0)));
}

// A loss of (x, target) computed elementwise and then reduced.
class PairLoss : public chimera::Loss {
public:
    PairLoss(chimera::Host host, const chimera::Config& c)
        : chimera::Loss(host), reduction_(c.get<std::string>("reduction")) {}
    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        Tensor x = in["x"], target = in["target"];
        if (x.shape() != target.shape())
            throw chimera::Error(std::string(name()) + ": x " + shape_text(x) + " and target " + shape_text(target) +
                                     " differ in shape", CHM_ERR_INVALID_ARGUMENT);
        out.set("loss", reduce(elements(x, target), reduction_));
    }

protected:
    virtual const char* name() const = 0;
    virtual Tensor elements(const Tensor& x, const Tensor& target) const = 0;
    std::string reduction_;
};

class Mse : public PairLoss {
public:
    static chimera::Description describe() {
        return {"mse", "1.0.0", "Squared error (x - target)^2", {reduction_param("mean")}};
    }
    using PairLoss::PairLoss;
    const char* name() const override { return "mse"; }
    Tensor elements(const Tensor& x, const Tensor& t) const override { return ops::square(ops::sub(x, t)); }
};

class L1 : public PairLoss {
public:
    static chimera::Description describe() {
        return {"l1", "1.0.0", "Absolute error |x - target|", {reduction_param("mean")}};
    }
    using PairLoss::PairLoss;
    const char* name() const override { return "l1"; }
    Tensor elements(const Tensor& x, const Tensor& t) const override { return ops::abs(ops::sub(x, t)); }
};

class Bce : public PairLoss {
public:
    static chimera::Description describe() {
        return {"bce", "1.0.0", "Binary cross-entropy of probabilities x (clamped to [eps, 1-eps])",
                {reduction_param("batch_sum"), Param::real("eps", 1e-7, "clamp of the probabilities").range(0, 0.1)}};
    }
    Bce(chimera::Host host, const chimera::Config& c) : PairLoss(host, c), eps_(c.get<double>("eps")) {}
    const char* name() const override { return "bce"; }
    // -(t log p + (1 - t) log(1 - p))
    Tensor elements(const Tensor& x, const Tensor& t) const override {
        Tensor p = ops::clamp(x, eps_, 1 - eps_);
        Tensor a = ops::mul(t, ops::log(p));
        Tensor b = ops::mul(ops::rsub_scalar(t, 1.0), ops::log(ops::rsub_scalar(p, 1.0)));
        return ops::mul_scalar(ops::add(a, b), -1.0);
    }

private:
    double eps_;
};

class BceLogits : public PairLoss {
public:
    static chimera::Description describe() {
        return {"bce_logits", "1.0.0", "Binary cross-entropy of logits x: softplus(x) - x target",
                {reduction_param("batch_sum")}};
    }
    using PairLoss::PairLoss;
    const char* name() const override { return "bce_logits"; }
    Tensor elements(const Tensor& x, const Tensor& t) const override {
        return ops::sub(ops::softplus(x), ops::mul(x, t));
    }
};

class KlNormal : public chimera::Loss {
public:
    static chimera::Description describe() {
        return {"kl_normal", "1.0.0", "KL(N(mu, exp(logvar)) || N(0, I)) = -1/2 (1 + logvar - mu^2 - exp(logvar))",
                {reduction_param("batch_sum")}};
    }
    KlNormal(chimera::Host host, const chimera::Config& c)
        : chimera::Loss(host), reduction_(c.get<std::string>("reduction")) {}
    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        Tensor mu = in["mu"], logvar = in["logvar"];
        Tensor inner = ops::sub(ops::sub(ops::add_scalar(logvar, 1.0), ops::square(mu)), ops::exp(logvar));
        out.set("loss", reduce(ops::mul_scalar(inner, -0.5), reduction_));
    }

private:
    std::string reduction_;
};

// Adversarial losses on logits, mean over the batch:
//   discriminator  non_saturating / minimax: softplus(-real) + softplus(fake)
//                  least_squares: ((real - 1)^2 + fake^2) / 2;  hinge: relu(1 - real) + relu(1 + fake)
//   generator      non_saturating: softplus(-fake);  minimax: -softplus(fake)
//                  least_squares: (fake - 1)^2 / 2;  hinge: -fake
class Gan : public chimera::Loss {
public:
    static chimera::Description describe() {
        return {"gan", "1.0.0", "Adversarial loss on discriminator logits, for either player",
                {Param::string("player", "discriminator", "whose loss: discriminator (reads real and fake) or generator (fake)")
                     .choices({"discriminator", "generator"}),
                 Param::string("mode", "non_saturating", "formulation").choices({"non_saturating", "minimax", "least_squares", "hinge"})}};
    }
    Gan(chimera::Host host, const chimera::Config& c)
        : chimera::Loss(host), discriminator_(c.get<std::string>("player") == "discriminator"), mode_(c.get<std::string>("mode")) {}

    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        Tensor fake = in["fake"];
        Tensor loss = discriminator_ ? ops::add(ops::mean(real_term(in["real"])), ops::mean(fake_term_d(fake)))
                                     : ops::mean(fake_term_g(fake));
        out.set("loss", loss);
    }

private:
    Tensor real_term(const Tensor& real) const {
        if (mode_ == "least_squares") return ops::mul_scalar(ops::square(ops::add_scalar(real, -1.0)), 0.5);
        if (mode_ == "hinge") return ops::relu(ops::rsub_scalar(real, 1.0));
        return ops::softplus(ops::mul_scalar(real, -1.0));
    }
    Tensor fake_term_d(const Tensor& fake) const {
        if (mode_ == "least_squares") return ops::mul_scalar(ops::square(fake), 0.5);
        if (mode_ == "hinge") return ops::relu(ops::add_scalar(fake, 1.0));
        return ops::softplus(fake);
    }
    Tensor fake_term_g(const Tensor& fake) const {
        if (mode_ == "non_saturating") return ops::softplus(ops::mul_scalar(fake, -1.0));
        if (mode_ == "minimax") return ops::mul_scalar(ops::softplus(fake), -1.0);
        if (mode_ == "least_squares") return ops::mul_scalar(ops::square(ops::add_scalar(fake, -1.0)), 0.5);
        return ops::mul_scalar(fake, -1.0);
    }

    bool discriminator_;
    std::string mode_;
};

// A weight penalty: the sum of a per-element term over every input, one input per parameter
// tensor under its full name ("encoder.fc1.weight"). Rank-1 inputs (biases, norm scales) are
// skipped unless include_bias, as Keras regularisers are usually applied to kernels only.
class Penalty : public chimera::Loss {
public:
    Penalty(chimera::Host host, const chimera::Config& c) : chimera::Loss(host), include_bias_(c.get<bool>("include_bias")) {}
    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        Tensor total;
        for (uint32_t i = 0; i < in.size(); ++i) {
            Tensor w = in.get(i);
            if (w.rank() == 1 && !include_bias_) continue;
            Tensor part = ops::sum(term(w));
            total = total.defined() ? ops::add(total, part) : part;
        }
        if (!total.defined()) throw chimera::Error(no_parameters(in), CHM_ERR_INVALID_ARGUMENT);
        out.set("loss", total);
    }

protected:
    static Param include_bias_param() {
        return Param::boolean("include_bias", false, "also penalise rank-1 tensors (biases, norm scales)");
    }
    virtual const char* name() const = 0;
    virtual Tensor term(const Tensor& w) const = 0;

private:
    std::string no_parameters(const chimera::Inputs& in) const {
        std::string names;
        for (uint32_t i = 0; i < in.size(); ++i) names += (i ? ", " : "") + in.name(i);
        std::string message = std::string(name()) + ": no parameters to penalise (inputs: " + (names.empty() ? "none" : names) + ")";
        if (!names.empty() && !include_bias_) message += "; rank-1 inputs are skipped unless include_bias: true";
        return message;
    }
    bool include_bias_;
};

class L1Penalty : public Penalty {
public:
    static chimera::Description describe() {
        return {"l1_penalty", "1.0.0",
                "Weight penalty sum |w| over the inputs; rank-1 tensors (biases, norm scales) are skipped unless include_bias",
                {include_bias_param()}};
    }
    using Penalty::Penalty;
    const char* name() const override { return "l1_penalty"; }
    Tensor term(const Tensor& w) const override { return ops::abs(w); }
};

class L2Penalty : public Penalty {
public:
    static chimera::Description describe() {
        return {"l2_penalty", "1.0.0",
                "Weight penalty sum w^2 over the inputs; rank-1 tensors (biases, norm scales) are skipped unless include_bias",
                {include_bias_param()}};
    }
    using Penalty::Penalty;
    const char* name() const override { return "l2_penalty"; }
    Tensor term(const Tensor& w) const override { return ops::square(w); }
};

}  // namespace

CHIMERA_PLUGIN("losses", "1.0.0", "Reconstruction, divergence, adversarial losses and weight penalties", Mse, L1, Bce,
               BceLogits, KlNormal, Gan, L1Penalty, L2Penalty)
