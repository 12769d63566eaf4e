// The `gaussian` latent: z = mu + exp(logvar / 2) * eps with eps ~ N(0, 1) (the
// reparameterisation trick, so gradients reach mu and logvar) while training; z = mu while
// evaluating, unless asked to sample. Prior sampling for generation is the host's job.
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

}  // namespace

CHIMERA_PLUGIN("latent", "1.0.0", "Latent-space components", Gaussian)
