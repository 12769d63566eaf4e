// Test log-likelihood by importance sampling, as VAE papers report it: the IWAE bound (Burda,
// Grosse & Salakhutdinov, 2016) with K samples from a proposal q(z | x),
//   log p(x) >= log (1/K) sum_k p(x | z_k) p(z_k) / q(z_k | x),   z_k ~ q(z | x),
// which rises towards log p(x) as K grows (K = 1 is the ELBO). The model is what the pipeline
// says: the prior is the generate section's noise (`from`, a standard normal); the decoder's
// likelihood is the loss that reconstructs each modality's data field (its `target`): Bernoulli
// (bce_logits, bce), categorical (cross_entropy) or Gaussian with a fixed variance
// (gaussian_nll); the weights losses carry in training are left out. The proposal is the
// encoder's posterior, N(generate.latent, exp(generate.latent_logvar)), and decoders read its
// samples through generate.sample.
//
// Multimodal models give one figure per modality, log p(x_m) from the posterior of x_m alone,
// and the joint log p(x_1, ..., x_M) of the examples holding every modality. The joint's
// proposal is an equal mixture of the posteriors of each modality alone and of all together
// (sampled stratified, so its weights are the samples' shares): a mixture-of-experts model's
// fused posterior is one expert drawn at random, which is no density, and any proposal keeps
// the bound valid; one that covers the posterior keeps its variance low.
//
// Runs in evaluation mode on the context's random numbers. Not the command line.
#pragma once

#include "generate/modal_sampler.hpp"
#include "pipeline/pipeline.hpp"

#include <iosfwd>
#include <string>
#include <vector>

namespace chimera {

struct LikelihoodOptions {
    int64_t samples = 1000;  // K, importance samples per example
    int64_t rows = 4096;     // decoder rows per pass (examples times samples)
    int64_t limit = 0;       // the split's first N examples only (0: all)
    std::ostream* progress = nullptr;
    bool terminal = false;
};

// One estimate: per-example means over the examples it covers.
struct LikelihoodTerm {
    std::string name;          // a modality, or "joint"; the data field for a one-modality model
    int64_t examples = 0;      // examples that hold what it measures
    double nll = 0;            // -log p(x) by the K-sample bound, nats per example
    double standard_error = 0; // of that mean over the examples
    double elbo = 0;           // mean of the log weights: the one-sample bound with the same proposal
};

struct LikelihoodReport {
    int64_t samples = 0;
    std::vector<LikelihoodTerm> terms;  // each modality in the generate section's order, then joint
};

// Throws ConfigError naming what the pipeline lacks (a posterior log-variance, a sample to
// replace, a normal prior, a likelihood for a modality), UsageError for bad options.
LikelihoodReport estimate_likelihood(const Pipeline& pipeline, Context& ctx, const OpRegistry& ops, const DataSplit& split,
                                     const LikelihoodOptions& options);

}  // namespace chimera
