// The `gaussian` latent: z = mu + exp(logvar / 2) * eps with eps ~ N(0, 1) (the
// reparameterisation trick, so gradients reach mu and logvar) while training; z = mu while
// evaluating, unless asked to sample. Prior sampling for generation is the host's job.
// The `poe` fusion: the product of Gaussian experts, one per modality, for multimodal VAEs.
#include <chimera/chimera.hpp>

namespace {

namespace ops = chimera::ops;

class Gaussian : public chimera::Encoder {
public:
    static chimera::Description describe() {
        using chimera::Param;
        return {"gaussian", "1.0.0", "Reparameterised sample z from mu and logvar",
                {Param::boolean("sample_in_eval", false, "sample also while evaluating (else z = mu)")}};
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

// The product of Gaussian experts N(mu_m, exp(logvar_m)), one per modality, and the prior
// N(0, I) as one more unless prior_expert is false: precisions add, and the mean is the
// precision-weighted mean of the experts' means. An example whose modality m is absent (input
// mask_<m> is 0 at its row) leaves that expert out for that example.
class ProductOfExperts : public chimera::Encoder {
public:
    static chimera::Description describe() {
        using chimera::Param;
        return {"poe", "1.0.0", "Product of Gaussian experts, one per modality (absent ones drop out by their mask)",
                {Param::string_list("modalities", {"image", "text"}, "the experts; inputs mu_<m>, logvar_<m> and optionally mask_<m> [N] (1 present, 0 absent)"),
                 Param::boolean("prior_expert", true, "include the prior N(0, I) as an expert")}};
    }
    ProductOfExperts(chimera::Host host, const chimera::Config& c)
        : chimera::Encoder(host), modalities_(c.get<std::vector<std::string>>("modalities")),
          prior_expert_(c.get<bool>("prior_expert")) {
        if (modalities_.empty())
            throw chimera::Error(c.where("modalities") + ": name at least one modality", CHM_ERR_INVALID_ARGUMENT);
        for (std::size_t i = 0; i < modalities_.size(); ++i)
            for (std::size_t j = 0; j < i; ++j)
                if (modalities_[i] == modalities_[j])
                    throw chimera::Error(c.where("modalities") + ": '" + modalities_[i] + "' is named twice", CHM_ERR_INVALID_ARGUMENT);
    }

    void forward(const chimera::Inputs& in, chimera::Outputs& out) override {
        chimera::Tensor precision, weighted;  // sums over the experts of 1 / var and mu / var
        std::vector<int64_t> shape;
        for (const std::string& m : modalities_) {
            chimera::Tensor mu = in["mu_" + m], logvar = in["logvar_" + m];
            if (shape.empty()) shape = mu.shape();
            if (mu.shape() != shape || logvar.shape() != shape)
                throw chimera::Error("mu_" + m + " and logvar_" + m + " must have the shape of mu_" + modalities_[0],
                                     CHM_ERR_INVALID_ARGUMENT);
            chimera::Tensor p = ops::exp(ops::mul_scalar(logvar, -1.0));
            if (in.has("mask_" + m)) {
                chimera::Tensor mask = in["mask_" + m];
                if (mask.numel() != shape[0])
                    throw chimera::Error("mask_" + m + " must hold one value per example (" + std::to_string(shape[0]) + ")",
                                         CHM_ERR_INVALID_ARGUMENT);
                p = ops::mul(p, ops::reshape(mask, {shape[0], 1}));
            }
            chimera::Tensor pm = ops::mul(p, mu);
            precision = precision.defined() ? ops::add(precision, p) : p;
            weighted = weighted.defined() ? ops::add(weighted, pm) : pm;
        }
        if (prior_expert_) {
            precision = ops::add_scalar(precision, 1.0);
        } else {
            const float* v = precision.data();
            for (int64_t i = 0; i < precision.numel(); ++i)
                if (!(v[i] > 0))
                    throw chimera::Error("example " + std::to_string(i / (precision.numel() / shape[0])) +
                                             " has none of its modalities present and prior_expert is false",
                                         CHM_ERR_INVALID_ARGUMENT);
        }
        out.set("mu", ops::div(weighted, precision));
        out.set("logvar", ops::mul_scalar(ops::log(precision), -1.0));
    }

private:
    std::vector<std::string> modalities_;
    bool prior_expert_;
};

}  // namespace

CHIMERA_PLUGIN("latent", "1.0.0", "Latent-space components", Gaussian, ProductOfExperts)
