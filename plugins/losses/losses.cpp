// The built-in losses, each a scalar "loss" from named inputs (cross_entropy adds an "accuracy"
// metric, counted from the data and never differentiated). Reductions, where a loss offers them:
//   batch_sum  sum over each example's elements, mean over the batch (a VAE's nats per image)
//   mean       mean over every element;  sum  sum of every element.
// Reconstruction: mse, l1 (x, target); bce (probabilities x, target); bce_logits (logits x,
// target, as softplus(x) - x target, stable for large logits). Classification: cross_entropy
// (logits, int32 target). Divergences: kl_normal (mu, logvar) from N(0, I), times beta; mmd
// (samples x, y), unbiased, with WAE's kernels. Adversarial: gan (logits real and/or fake) for
// either player in four formulations. Weight penalties: l1_penalty and l2_penalty, sum |w| and
// sum w^2 over the parameter tensors the host passes as inputs. Loss weights and their schedules
// are the host's, not these components'.
// Masks: the reconstruction losses, kl_normal and cross_entropy take an optional input "mask"
// [N] (1 keeps example i, 0 drops it: a multimodal VAE's absent modality). Dropped examples
// add nothing; batch_sum and mean still divide by the whole batch N, so a term's weight in the
// objective is its share of the batch ('mean' divides by N times the elements per example).
#include <chimera/chimera.hpp>

#include <algorithm>
#include <cmath>

namespace {

using chimera::Param;
using chimera::Tensor;
namespace ops = chimera::ops;
namespace reduction = chimera::reduction;

// Ports (ABI 1.4) the losses share. Every loss writes one scalar "loss".
chimera::Port loss_output(const char* doc) { return chimera::Port::output("loss", CHM_DTYPE_F32, "[]", doc); }
chimera::Port mask_input() {
    return chimera::Port::input("mask", CHM_DTYPE_F32, "[N]", "1 keeps example i, 0 drops it (an absent modality)").optional();
}
// The (x, target) losses: x and target of one shape, and the optional mask.
std::vector<chimera::Port> pair_inputs(const char* x_doc) {
    return {chimera::Port::input("x", CHM_DTYPE_F32, "[N, ...]", x_doc),
            chimera::Port::input("target", CHM_DTYPE_F32, "[N, ...]", "what x should be, shaped like x"), mask_input()};
}

std::string shape_text(const Tensor& t) {
    std::string s = "[";
    for (std::size_t i = 0; i < t.shape().size(); ++i) s += (i ? ", " : "") + std::to_string(t.shape()[i]);
    return s + "]";
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
        out.set("loss", reduction::apply(elements(x, target), reduction_, reduction::mask(in, x.dim(0), name())));
    }

protected:
    virtual const char* name() const = 0;
    virtual Tensor elements(const Tensor& x, const Tensor& target) const = 0;
    std::string reduction_;
};

class Mse : public PairLoss {
public:
    static chimera::Description describe() {
        return {"mse", "1.0.0", "Squared error (x - target)^2", {reduction::param("mean")}, pair_inputs("the prediction"),
                {loss_output("the reduced squared error")}};
    }
    using PairLoss::PairLoss;
    const char* name() const override { return "mse"; }
    Tensor elements(const Tensor& x, const Tensor& t) const override { return ops::square(ops::sub(x, t)); }
};

class L1 : public PairLoss {
public:
    static chimera::Description describe() {
        return {"l1", "1.0.0", "Absolute error |x - target|", {reduction::param("mean")}, pair_inputs("the prediction"),
                {loss_output("the reduced absolute error")}};
    }
    using PairLoss::PairLoss;
    const char* name() const override { return "l1"; }
    Tensor elements(const Tensor& x, const Tensor& t) const override { return ops::abs(ops::sub(x, t)); }
};

class Bce : public PairLoss {
public:
    static chimera::Description describe() {
        return {"bce", "1.0.0", "Binary cross-entropy of probabilities x (clamped to [eps, 1-eps])",
                {reduction::param("batch_sum"), Param::real("eps", 1e-7, "clamp of the probabilities").range(0, 0.1)},
                pair_inputs("probabilities in [0, 1]"), {loss_output("the reduced binary cross-entropy")}};
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
                {reduction::param("batch_sum")}, pair_inputs("logits"), {loss_output("the reduced binary cross-entropy")}};
    }
    using PairLoss::PairLoss;
    const char* name() const override { return "bce_logits"; }
    Tensor elements(const Tensor& x, const Tensor& t) const override {
        return ops::sub(ops::softplus(x), ops::mul(x, t));
    }
};

// A Gaussian decoder of fixed variance: the negative log-likelihood itself, constant included, so
// that what it reports (and `chimera evaluate --nll` estimates) is in nats. A squared error is
// this loss up to its scale and constant.
class GaussianNll : public PairLoss {
public:
    static chimera::Description describe() {
        return {"gaussian_nll", "1.0.0", "Gaussian negative log-likelihood of mean x, fixed variance: ((x - target)^2 / variance + log(2 pi variance)) / 2",
                {reduction::param("batch_sum"), Param::real("variance", 1.0, "the decoder's variance").range(1e-12, 1e12)},
                pair_inputs("the mean"), {loss_output("the reduced negative log-likelihood")}};
    }
    GaussianNll(chimera::Host host, const chimera::Config& c) : PairLoss(host, c), variance_(c.get<double>("variance")) {}
    const char* name() const override { return "gaussian_nll"; }
    Tensor elements(const Tensor& x, const Tensor& t) const override {
        const double log_norm = 0.5 * std::log(2 * 3.14159265358979323846 * variance_);
        return ops::add_scalar(ops::mul_scalar(ops::square(ops::sub(x, t)), 0.5 / variance_), log_norm);
    }

private:
    double variance_;
};

class KlNormal : public chimera::Loss {
public:
    static chimera::Description describe() {
        return {"kl_normal", "1.1.0",
                "beta KL(N(mu, exp(logvar)) || N(0, I)) = -beta/2 (1 + logvar - mu^2 - exp(logvar))",
                {reduction::param("batch_sum"),
                 Param::real("beta", 1.0, "weight of the KL (a beta-VAE's beta; 1 is the plain VAE)").min(0)},
                {chimera::Port::input("mu", CHM_DTYPE_F32, "[N, D]", "the posterior's mean"),
                 chimera::Port::input("logvar", CHM_DTYPE_F32, "[N, D]", "the posterior's log-variance"), mask_input()},
                {loss_output("beta times the reduced KL divergence")}};
    }
    KlNormal(chimera::Host host, const chimera::Config& c)
        : chimera::Loss(host), reduction_(c.get<std::string>("reduction")), beta_(c.get<double>("beta")) {}
    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        Tensor mu = in["mu"], logvar = in["logvar"];
        Tensor inner = ops::sub(ops::sub(ops::add_scalar(logvar, 1.0), ops::square(mu)), ops::exp(logvar));
        Tensor kl = reduction::apply(ops::mul_scalar(inner, -0.5), reduction_, reduction::mask(in, mu.dim(0), "kl_normal"));
        out.set("loss", beta_ == 1.0 ? kl : ops::mul_scalar(kl, beta_));
    }

private:
    std::string reduction_;
    double beta_;
};

// Softmax cross-entropy of logits [N, C] against int32 class indices target [N], as PyTorch's
// CrossEntropyLoss (label smoothing s moves mass s to a uniform distribution over the C classes):
//   loss_i = -(1 - s) log softmax(logits_i)[target_i] - s/C sum_c log softmax(logits_i)[c]
// reduced by mean or sum over the batch. Sequences: logits [N, T, C] against target [N, T], an
// example's loss the sum over its T positions (nats per caption). A second output "accuracy" is
// the fraction of rows (positions) whose argmax (the first on ties) is the target, over the
// examples the mask keeps, counted from the data: a metric, never differentiated.
class CrossEntropy : public chimera::Loss {
public:
    static chimera::Description describe() {
        return {"cross_entropy", "1.1.0",
                "Softmax cross-entropy of logits [N, C] against int32 classes target [N] (or [N, T, C] against [N, T]); also outputs accuracy",
                {Param::string("reduction", "mean", "mean or sum over the batch").choices({"mean", "sum"}),
                 Param::real("label_smoothing", 0.0, "probability mass spread uniformly over the classes").range(0, 1)},
                {chimera::Port::input("logits", CHM_DTYPE_F32, "[N, ..., C]", "logits [N, C], or [N, T, C] for sequences"),
                 chimera::Port::input("target", CHM_DTYPE_I32, "[N, ...]", "int32 class indices [N], or [N, T]"), mask_input()},
                {loss_output("the cross-entropy, mean or sum over the batch"),
                 chimera::Port::output("accuracy", CHM_DTYPE_F32, "[]", "fraction of rows whose argmax is the target (a metric)")}};
    }
    CrossEntropy(chimera::Host host, const chimera::Config& c)
        : chimera::Loss(host),
          sum_(c.get<std::string>("reduction") == "sum"),
          smoothing_(c.get<double>("label_smoothing")) {}

    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        Tensor logits = in["logits"], target = in["target"];
        check(logits, target);
        const int64_t n = logits.dim(0), classes = logits.dim(-1), positions = logits.numel() / (n * classes);
        Tensor mask = reduction::mask(in, n, "cross_entropy");
        if (positions > 1) {
            logits = ops::reshape(logits, {n * positions, classes});
            Tensor flat = Tensor::zeros(host(), {n * positions}, CHM_DTYPE_I32);
            std::copy(target.data_i32(), target.data_i32() + target.numel(), flat.data_i32());
            target = flat;
        }
        Tensor log_p = ops::log_softmax(logits);
        Tensor nll = ops::mul_scalar(ops::gather_classes(log_p, target), smoothing_ - 1.0);  // [N T]
        if (smoothing_ > 0) nll = ops::sub(nll, ops::mul_scalar(ops::mean(log_p, {1}), smoothing_));
        if (positions > 1) nll = ops::sum(ops::reshape(nll, {n, positions}), {1});
        if (mask.defined()) nll = ops::mul(nll, mask);
        out.set("loss", sum_ ? ops::sum(nll) : ops::mul_scalar(ops::sum(nll), 1.0 / static_cast<double>(n)));
        out.set("accuracy", accuracy(logits, target, positions, mask));
    }

private:
    static void check(const Tensor& logits, const Tensor& target) {
        const bool sequence = logits.rank() == 3;
        if ((logits.rank() != 2 && !sequence) || logits.dtype() != CHM_DTYPE_F32)
            throw chimera::Error("cross_entropy: logits must be float32 [N, C] or [N, T, C], not " + shape_text(logits),
                                 CHM_ERR_INVALID_ARGUMENT);
        std::vector<int64_t> expected = logits.shape();
        expected.pop_back();
        if (target.dtype() != CHM_DTYPE_I32 || target.shape() != expected)
            throw chimera::Error("cross_entropy: target must hold one int32 class index per row of logits " +
                                     shape_text(logits) + ", not " +
                                     (target.dtype() == CHM_DTYPE_I32 ? "int32 " : "float32 ") + shape_text(target),
                                 CHM_ERR_INVALID_ARGUMENT);
        const int32_t* t = target.data_i32();
        for (int64_t i = 0, c = logits.dim(-1); i < target.numel(); ++i)
            if (t[i] < 0 || t[i] >= c)
                throw chimera::Error("cross_entropy: target " + std::to_string(t[i]) + " at index " +
                                         std::to_string(i) + " is outside [0, " + std::to_string(c) +
                                         "), the classes of logits " + shape_text(logits),
                                     CHM_ERR_INVALID_ARGUMENT);
    }
    // Over rows of logits [R, C]; row r belongs to example r / positions.
    Tensor accuracy(const Tensor& logits, const Tensor& target, int64_t positions, const Tensor& mask) const {
        const float* p = logits.data();
        const int32_t* t = target.data_i32();
        const float* keep = mask.defined() ? mask.data() : nullptr;
        const int64_t rows = logits.dim(0), c = logits.dim(1);
        int64_t correct = 0, counted = 0;
        for (int64_t i = 0; i < rows; ++i) {
            if (keep && keep[i / positions] == 0.0f) continue;
            const float* row = p + i * c;
            correct += std::max_element(row, row + c) - row == t[i];
            ++counted;
        }
        Tensor a = Tensor::zeros(host(), {});
        a.data()[0] = counted ? static_cast<float>(static_cast<double>(correct) / static_cast<double>(counted)) : 0.0f;
        return a;
    }

    bool sum_;
    double smoothing_;
};

// Maximum mean discrepancy between samples x [N, ...] and y [M, ...] (each example flattened to
// D features), as a WAE matches its codes to prior samples, by the unbiased estimate
//   sum_{i!=j} k(x_i, x_j) / N(N-1) + sum_{i!=j} k(y_i, y_j) / M(M-1) - 2 sum_{i,j} k(x_i, y_j) / NM.
// k sums over `scales` s, with WAE's bandwidth C = 2 D sigma2 s (sigma2: the prior's variance):
//   gaussian  exp(-|a - b|^2 / C);   imq  C / (C + |a - b|^2).
// Squared distances are |a|^2 + |b|^2 - 2 a.b; the diagonals are masked out, not assumed to be 1.
class Mmd : public chimera::Loss {
public:
    static chimera::Description describe() {
        return {"mmd", "1.0.0", "Unbiased squared maximum mean discrepancy between samples x [N, ...] and y [M, ...]",
                {Param::string("kernel", "imq",
                               "imq (inverse multiquadric C / (C + d^2), WAE's choice) or gaussian (exp(-d^2 / C))")
                     .choices({"imq", "gaussian"}),
                 Param::real("sigma2", 1.0, "variance per dimension of the prior (> 0); C = 2 D sigma2 for D features"),
                 Param::float_list("scales", {1.0},
                                   "multipliers of C, one kernel each, summed (WAE: [0.1, 0.2, 0.5, 1, 2, 5, 10])")},
                {chimera::Port::input("x", CHM_DTYPE_F32, "[N, ...]", "samples, e.g. an encoder's codes"),
                 chimera::Port::input("y", CHM_DTYPE_F32, "[M, ...]", "samples to match, e.g. drawn from the prior")},
                {loss_output("the unbiased squared MMD")}};
    }
    Mmd(chimera::Host host, const chimera::Config& c)
        : chimera::Loss(host),
          gaussian_(c.get<std::string>("kernel") == "gaussian"),
          sigma2_(c.get<double>("sigma2")),
          scales_(c.get<std::vector<double>>("scales")) {
        if (!(sigma2_ > 0))
            throw chimera::Error(c.where("sigma2") + ": sigma2 must be positive", CHM_ERR_INVALID_ARGUMENT);
        bool positive = !scales_.empty();
        for (double s : scales_) positive = positive && s > 0;
        if (!positive) throw chimera::Error(c.where("scales") + ": scales must be a non-empty list of positive numbers",
                                            CHM_ERR_INVALID_ARGUMENT);
    }

    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        Tensor x = features(in["x"], "x"), y = features(in["y"], "y");
        if (x.dim(1) != y.dim(1))
            throw chimera::Error("mmd: x has " + std::to_string(x.dim(1)) + " features per example and y " +
                                     std::to_string(y.dim(1)),
                                 CHM_ERR_INVALID_ARGUMENT);
        const double n = double(x.dim(0)), m = double(y.dim(0)), d = double(x.dim(1));
        Tensor within = ops::add(ops::mul_scalar(off_diagonal_sum(kernel(x, x, d)), 1.0 / (n * (n - 1))),
                                 ops::mul_scalar(off_diagonal_sum(kernel(y, y, d)), 1.0 / (m * (m - 1))));
        out.set("loss", ops::sub(within, ops::mul_scalar(ops::sum(kernel(x, y, d)), 2.0 / (n * m))));
    }

private:
    static Tensor features(const Tensor& t, const char* name) {
        if (t.rank() < 2 || t.dim(0) < 2)
            throw chimera::Error(std::string("mmd: ") + name + " " + shape_text(t) +
                                     " must be a batch of at least 2 examples (the unbiased estimate leaves out i = j)",
                                 CHM_ERR_INVALID_ARGUMENT);
        return t.rank() == 2 ? t : ops::flatten(t, 1);
    }
    // k(a_i, b_j) for a [N, D], b [M, D]: [N, M].
    Tensor kernel(const Tensor& a, const Tensor& b, double d) const {
        Tensor a2 = ops::sum(ops::square(a), {1}, true);                 // [N, 1]
        Tensor b2 = ops::reshape(ops::sum(ops::square(b), {1}), {1, -1});  // [1, M]
        Tensor d2 = ops::add(ops::add(a2, b2), ops::mul_scalar(ops::linear(a, b), -2.0));
        Tensor total;
        for (double s : scales_) {
            const double c = 2 * d * sigma2_ * s;
            // imq divides a constant of d2's shape: div's same-shape loop is several times cheaper
            // than pow_scalar(-1)'s std::pow per element (there is no c / x op).
            Tensor k = gaussian_ ? ops::exp(ops::mul_scalar(d2, -1.0 / c))
                                 : ops::div(Tensor::from(host(), d2.shape(), std::vector<float>(d2.numel(), float(c))),
                                            ops::add_scalar(d2, c));
            total = total.defined() ? ops::add(total, k) : k;
        }
        return total;
    }
    Tensor off_diagonal_sum(const Tensor& k) const {
        const int64_t n = k.dim(0);
        Tensor mask = Tensor::zeros(host(), {n, n});
        float* p = mask.data();
        for (int64_t i = 0; i < n * n; ++i) p[i] = i % (n + 1) == 0 ? 0.0f : 1.0f;
        return ops::sum(ops::mul(k, mask));
    }

    bool gaussian_;
    double sigma2_;
    std::vector<double> scales_;
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
                 Param::string("mode", "non_saturating", "formulation").choices({"non_saturating", "minimax", "least_squares", "hinge"})},
                {chimera::Port::input("real", CHM_DTYPE_F32, "[*, ...]", "the discriminator's logits on real data (player: discriminator)").optional(),
                 chimera::Port::input("fake", CHM_DTYPE_F32, "[*, ...]", "its logits on generated data")},
                {loss_output("the player's loss, mean over the batch")}};
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
                {include_bias_param()}, {}, {loss_output("sum |w| over the parameters of the loss's params: nodes")}};
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
                {include_bias_param()}, {}, {loss_output("sum w^2 over the parameters of the loss's params: nodes")}};
    }
    using Penalty::Penalty;
    const char* name() const override { return "l2_penalty"; }
    Tensor term(const Tensor& w) const override { return ops::square(w); }
};

}  // namespace

CHIMERA_PLUGIN("losses", "1.2.0", "Reconstruction, classification, divergence, adversarial losses and weight penalties",
               Mse, L1, Bce, BceLogits, GaussianNll, KlNormal, CrossEntropy, Mmd, Gan, L1Penalty, L2Penalty)
