// The `gaussian` latent: z = mu + exp(logvar / 2) * eps with eps ~ N(0, 1) (the
// reparameterisation trick, so gradients reach mu and logvar) while training; z = mu while
// evaluating, unless asked to sample. Prior sampling for generation is the host's job.
// The multimodal VAE fusions, one Gaussian expert per modality: `poe` (product), `moe` (mixture)
// and `mopoe` (mixture of the products of subsets); absent modalities drop out by their masks.
#include <chimera/chimera.hpp>

#include <algorithm>

namespace {

namespace ops = chimera::ops;

class Gaussian : public chimera::Encoder {
public:
    static chimera::Description describe() {
        using chimera::Param;
        using chimera::Port;
        return {"gaussian", "1.0.0", "Reparameterised sample z from mu and logvar",
                {Param::boolean("sample_in_eval", false, "sample also while evaluating (else z = mu)")},
                {Port::input("mu", CHM_DTYPE_F32, "[N, D]", "the mean"),
                 Port::input("logvar", CHM_DTYPE_F32, "[N, D]", "the log-variance, shaped like mu")},
                {Port::output("z", CHM_DTYPE_F32, "[N, D]", "mu + exp(logvar / 2) eps while training; mu while evaluating")}};
    }
    Gaussian(chimera::Host host, const chimera::Config& c)
        : chimera::Encoder(host), sample_in_eval_(c.get<bool>("sample_in_eval")) {}

    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        chimera::Tensor mu = in["mu"], logvar = in["logvar"];
        if (mu.shape() != logvar.shape())
            throw chimera::Error("mu and logvar differ in shape", CHM_ERR_INVALID_ARGUMENT);
        if (!training() && !sample_in_eval_) {
            out.set("z", mu);
            return;
        }
        chimera::Tensor eps = ops::random_normal(host(), mu.shape());
        chimera::Tensor std = ops::exp(ops::mul_scalar(logvar, 0.5));
        out.set("z", ops::add(mu, ops::mul(std, eps)));
    }

private:
    bool sample_in_eval_;
};

// The experts a fusion reads: mu_<m>, logvar_<m> and the optional mask_<m> [N] (1 present, 0
// absent; absent when missing) of each modality m, all of one shape [N, D].
struct Experts {
    std::vector<chimera::Tensor> mu, logvar, mask;
    std::vector<int64_t> shape;
    int64_t n() const { return shape[0]; }
    // 1 when example i has modality k.
    bool present(std::size_t k, int64_t i) const { return !mask[k].defined() || mask[k].data()[i] != 0.0f; }
    // The modalities example i has, in order.
    std::vector<std::size_t> present_at(int64_t i) const {
        std::vector<std::size_t> out;
        for (std::size_t k = 0; k < mu.size(); ++k)
            if (present(k, i)) out.push_back(k);
        return out;
    }
};

std::vector<std::string> read_modalities(const chimera::Config& c) {
    auto m = c.get<std::vector<std::string>>("modalities");
    if (m.empty()) throw chimera::Error(c.where("modalities") + ": name at least one modality", CHM_ERR_INVALID_ARGUMENT);
    for (std::size_t i = 0; i < m.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
            if (m[i] == m[j])
                throw chimera::Error(c.where("modalities") + ": '" + m[i] + "' is named twice", CHM_ERR_INVALID_ARGUMENT);
    return m;
}

Experts read_experts(const chimera::Inputs& in, const std::vector<std::string>& modalities) {
    Experts e;
    for (const std::string& m : modalities) {
        chimera::Tensor mu = in["mu_" + m], logvar = in["logvar_" + m];
        if (e.shape.empty()) e.shape = mu.shape();
        if (mu.shape() != e.shape || logvar.shape() != e.shape || e.shape.size() != 2)
            throw chimera::Error("mu_" + m + " and logvar_" + m + " must be [N, D] shaped like mu_" + modalities[0],
                                 CHM_ERR_INVALID_ARGUMENT);
        chimera::Tensor mask;
        if (in.has("mask_" + m)) {
            mask = in["mask_" + m];
            if (mask.numel() != e.shape[0] || mask.dtype() != CHM_DTYPE_F32)
                throw chimera::Error("mask_" + m + " must hold one float32 value per example (" +
                                         std::to_string(e.shape[0]) + ")", CHM_ERR_INVALID_ARGUMENT);
        }
        e.mu.push_back(mu);
        e.logvar.push_back(logvar);
        e.mask.push_back(mask);
    }
    return e;
}

// A [N] float32 tensor of `values`, reshaped to [N, 1] to scale rows.
chimera::Tensor row_weights(chimera::Host host, const std::vector<float>& values) {
    return chimera::Tensor::from(host, {static_cast<int64_t>(values.size()), 1}, values);
}

// The product of the experts `use[k]` ([N] 0/1 per example, or all present when empty) and the
// prior N(0, I) when `prior` is set: precisions add, the mean is the precision-weighted mean.
void product(chimera::Host host, const Experts& e, const std::vector<std::vector<float>>& use, bool prior,
             chimera::Outputs& out) {
    chimera::Tensor precision, weighted;  // sums over the experts of 1 / var and mu / var
    for (std::size_t k = 0; k < e.mu.size(); ++k) {
        chimera::Tensor p = ops::exp(ops::mul_scalar(e.logvar[k], -1.0));
        if (!use.empty()) p = ops::mul(p, row_weights(host, use[k]));
        else if (e.mask[k].defined()) p = ops::mul(p, ops::reshape(e.mask[k], {e.n(), 1}));
        chimera::Tensor pm = ops::mul(p, e.mu[k]);
        precision = precision.defined() ? ops::add(precision, p) : p;
        weighted = weighted.defined() ? ops::add(weighted, pm) : pm;
    }
    if (prior) {
        precision = ops::add_scalar(precision, 1.0);
    } else {
        const float* v = precision.data();
        for (int64_t i = 0; i < precision.numel(); ++i)
            if (!(v[i] > 0))
                throw chimera::Error("example " + std::to_string(i / e.shape[1]) +
                                         " has none of its modalities present and prior_expert is false",
                                     CHM_ERR_INVALID_ARGUMENT);
    }
    out.set("mu", ops::div(weighted, precision));
    out.set("logvar", ops::mul_scalar(ops::log(precision), -1.0));
}

// Uniform draws in [0, 1), one per example, from the run's generator.
std::vector<float> uniforms(chimera::Host host, int64_t n) {
    chimera::Tensor u = ops::random_uniform(host, {n});
    return std::vector<float>(u.data(), u.data() + n);
}

const char* const experts_doc = "the experts; inputs mu_<m>, logvar_<m> and optionally mask_<m> [N] (1 present, 0 absent)";

// The ports every fusion shares: one expert per modality m of option `modalities`, and the
// fused Gaussian.
std::vector<chimera::Port> expert_inputs() {
    using chimera::Port;
    return {Port::input("mu_<m>", CHM_DTYPE_F32, "[N, D]", "the mean of modality m's expert, for each m of modalities"),
            Port::input("logvar_<m>", CHM_DTYPE_F32, "[N, D]", "the log-variance of modality m's expert"),
            Port::input("mask_<m>", CHM_DTYPE_F32, "[N, ...]", "1 where example i has modality m, 0 where it is absent")};
}
std::vector<chimera::Port> fused_outputs() {
    using chimera::Port;
    return {Port::output("mu", CHM_DTYPE_F32, "[N, D]", "the fused mean"),
            Port::output("logvar", CHM_DTYPE_F32, "[N, D]", "the fused log-variance")};
}

// The product of Gaussian experts N(mu_m, exp(logvar_m)), one per modality, and the prior
// N(0, I) as one more unless prior_expert is false: precisions add, and the mean is the
// precision-weighted mean of the experts' means. An example whose modality m is absent (input
// mask_<m> is 0 at its row) leaves that expert out for that example.
class ProductOfExperts : public chimera::Encoder {
public:
    static chimera::Description describe() {
        using chimera::Param;
        return {"poe", "1.0.0", "Product of Gaussian experts, one per modality (absent ones drop out by their mask)",
                {Param::string_list("modalities", {"image", "text"}, experts_doc),
                 Param::boolean("prior_expert", true, "include the prior N(0, I) as an expert")},
                expert_inputs(), fused_outputs()};
    }
    ProductOfExperts(chimera::Host host, const chimera::Config& c)
        : chimera::Encoder(host), modalities_(read_modalities(c)), prior_expert_(c.get<bool>("prior_expert")) {}

    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        product(host(), read_experts(in, modalities_), {}, prior_expert_, out);
    }

private:
    std::vector<std::string> modalities_;
    bool prior_expert_;
};

// The mixture of Gaussian experts (MMVAE): q(z | x) = 1/M sum_m q_m(z | x_m) over the M present
// experts. Each example gets one expert, drawn uniformly among its present ones (outputs mu and
// logvar are that expert's), so a reconstruction of every modality from the sample is an
// unbiased one-sample estimate of MMVAE's stratified objective, cross-reconstructions included.
// While evaluating the draw stays random unless only one is present (cross-modal generation).
// An example with no modality present gets the prior N(0, I).
class MixtureOfExperts : public chimera::Encoder {
public:
    static chimera::Description describe() {
        using chimera::Param;
        return {"moe", "1.0.0", "Mixture of Gaussian experts: one present expert drawn per example",
                {Param::string_list("modalities", {"image", "text"}, experts_doc)}, expert_inputs(), fused_outputs()};
    }
    MixtureOfExperts(chimera::Host host, const chimera::Config& c)
        : chimera::Encoder(host), modalities_(read_modalities(c)) {}

    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        const Experts e = read_experts(in, modalities_);
        const std::size_t m = e.mu.size();
        std::vector<std::vector<float>> chosen(m, std::vector<float>(static_cast<std::size_t>(e.n()), 0.0f));
        const std::vector<float> u = uniforms(host(), e.n());
        for (int64_t i = 0; i < e.n(); ++i) {
            const std::vector<std::size_t> present = e.present_at(i);
            if (present.empty()) continue;
            const auto pick = std::min(present.size() - 1, static_cast<std::size_t>(u[static_cast<std::size_t>(i)] * present.size()));
            chosen[present[pick]][static_cast<std::size_t>(i)] = 1.0f;
        }
        chimera::Tensor mu, logvar;
        for (std::size_t k = 0; k < m; ++k) {
            chimera::Tensor w = row_weights(host(), chosen[k]);
            chimera::Tensor a = ops::mul(e.mu[k], w), b = ops::mul(e.logvar[k], w);
            mu = mu.defined() ? ops::add(mu, a) : a;
            logvar = logvar.defined() ? ops::add(logvar, b) : b;
        }
        out.set("mu", mu);
        out.set("logvar", logvar);
    }

private:
    std::vector<std::string> modalities_;
};

// The mixture of products of experts (MoPoE-VAE): q(z | X) = mean over the non-empty subsets s of
// the present modalities of PoE(s). While training each example gets one subset, drawn uniformly,
// and outputs that subset's product (with the prior expert unless prior_expert is false): a
// one-sample estimate of the mixture's objective. While evaluating, the product of every present
// expert (the joint posterior, the subset a user's inputs make).
class MixtureOfProducts : public chimera::Encoder {
public:
    static chimera::Description describe() {
        using chimera::Param;
        return {"mopoe", "1.0.0", "Mixture over the products of every subset of the present experts",
                {Param::string_list("modalities", {"image", "text", "audio"}, experts_doc),
                 Param::boolean("prior_expert", true, "include the prior N(0, I) in every product")},
                expert_inputs(), fused_outputs()};
    }
    MixtureOfProducts(chimera::Host host, const chimera::Config& c)
        : chimera::Encoder(host), modalities_(read_modalities(c)), prior_expert_(c.get<bool>("prior_expert")) {}

    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        const Experts e = read_experts(in, modalities_);
        if (!training()) return product(host(), e, {}, prior_expert_, out);
        const std::size_t m = e.mu.size();
        std::vector<std::vector<float>> use(m, std::vector<float>(static_cast<std::size_t>(e.n()), 0.0f));
        const std::vector<float> u = uniforms(host(), e.n());
        for (int64_t i = 0; i < e.n(); ++i) {
            const std::vector<std::size_t> present = e.present_at(i);
            if (present.empty()) continue;
            // Subsets of the present experts as bit patterns 1 .. 2^P - 1, one drawn uniformly.
            const uint64_t subsets = (uint64_t{1} << present.size()) - 1;
            const uint64_t pick = 1 + std::min(subsets - 1, static_cast<uint64_t>(u[static_cast<std::size_t>(i)] * subsets));
            for (std::size_t b = 0; b < present.size(); ++b)
                if (pick >> b & 1) use[present[b]][static_cast<std::size_t>(i)] = 1.0f;
        }
        product(host(), e, use, prior_expert_, out);
    }

private:
    std::vector<std::string> modalities_;
    bool prior_expert_;
};

}  // namespace

CHIMERA_PLUGIN("latent", "1.1.0", "Latent-space components: sampling and multimodal fusions", Gaussian, ProductOfExperts,
               MixtureOfExperts, MixtureOfProducts)
