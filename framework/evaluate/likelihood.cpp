#include "evaluate/likelihood.hpp"

#include "core/host_error.hpp"
#include "core/progress.hpp"
#include "io/yaml_file.hpp"
#include "ops/op_registry.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>

namespace chimera {

namespace {

constexpr double log_two_pi = 1.8378770664093453;  // log(2 pi)
constexpr double minus_infinity = -std::numeric_limits<double>::infinity();

enum class Family { bernoulli_logits, bernoulli, categorical, gaussian };

// The loss components that are a decoder's negative log-likelihood, and the port of each that
// reads the decoder's output (the other, `target`, reads the data).
const std::map<std::string, std::pair<Family, std::string>>& likelihood_losses() {
    static const std::map<std::string, std::pair<Family, std::string>> losses{
        {"bce_logits", {Family::bernoulli_logits, "x"}},
        {"bce", {Family::bernoulli, "x"}},
        {"cross_entropy", {Family::categorical, "logits"}},
        {"gaussian_nll", {Family::gaussian, "x"}},
    };
    return losses;
}

// How one modality's data is generated from the latent: the tensor a loss reads and its family.
struct Decoder {
    std::string name, field, mask;  // mask "" : always present
    std::string output;             // the decoder's tensor the loss reads
    Family family = Family::bernoulli_logits;
    double variance = 1, eps = 1e-7;  // gaussian_nll's fixed variance; bce's clamp
};

std::string port_tensor(const PortMap& in, const std::string& port) {
    for (const auto& [p, t] : in)
        if (p == port) return t;
    return "";
}

double option_or(const YAML::Node& options, const char* key, double fallback) {
    return options && options.IsMap() && options[key] ? options[key].as<double>() : fallback;
}

// Whether `tensor` is computed from `input`: it is `input`, or a node writing it reads a tensor
// that is, however many nodes lie between (a decoder of dense, reshape and deconv nodes).
bool computed_from(const PipelineSpec& spec, const std::string& tensor, const std::string& input) {
    std::vector<std::string> pending{tensor};
    std::set<std::string> seen;
    while (!pending.empty()) {
        const std::string t = pending.back();
        pending.pop_back();
        if (t == input) return true;
        if (!seen.insert(t).second) continue;
        for (const NodeSpec& n : spec.nodes)
            if (std::any_of(n.out.begin(), n.out.end(), [&](const auto& o) { return o.second == t; }))
                for (const auto& [port, read] : n.in) pending.push_back(read);
    }
    return false;
}

// The loss trained on that reconstructs `field` from the posterior sample `sample`; when several
// reconstruct it (an MVAE's terms from each modality alone), the one whose decoder reads the
// sample itself. ConfigError when there is none, or it is no likelihood.
Decoder find_decoder(const PipelineSpec& spec, const std::string& name, const std::string& field, const std::string& mask,
                     const std::string& sample) {
    std::vector<const LossSpec*> candidates;
    for (const LossSpec& l : spec.losses)
        if (!l.evaluate_only && port_tensor(l.in, "target") == field) candidates.push_back(&l);
    if (candidates.size() > 1) {
        std::vector<const LossSpec*> direct;
        for (const LossSpec* l : candidates) {
            auto known = likelihood_losses().find(l->component);
            if (known != likelihood_losses().end() && computed_from(spec, port_tensor(l->in, known->second.second), sample)) direct.push_back(l);
        }
        if (direct.size() != 1) {
            std::string names;
            for (const LossSpec* l : candidates) names += (names.empty() ? "'" : ", '") + l->name + "'";
            throw ConfigError(SourcePlace{spec.file, 0, 0, "losses"}, "losses " + names + " all reconstruct data field '" + field + "', and " +
                                                                          (direct.empty() ? "none" : "more than one") + " of them decodes '" + sample +
                                                                          "' itself: the log-likelihood needs one decoder of the posterior sample");
        }
        candidates = direct;
    }
    if (candidates.empty())
        throw ConfigError(SourcePlace{spec.file, 0, 0, "losses"}, "no loss trained on reconstructs data field '" + field + "' (has it as its target), so modality '" +
                                                                      name + "' has no likelihood to estimate");
    const LossSpec* found = candidates.front();
    auto it = likelihood_losses().find(found->component);
    if (it == likelihood_losses().end())
        yaml_fail(found->node, {spec.file, "losses." + found->name},
                  "the log-likelihood needs the decoder's likelihood, and loss '" + found->component +
                      "' is none Chimera knows (bce_logits, bce, cross_entropy, gaussian_nll)" +
                      (found->component == "mse" ? "; a squared error is a Gaussian likelihood only with its variance: use gaussian_nll {variance: V}" : ""));
    Decoder d{name, field, mask, port_tensor(found->in, it->second.second), it->second.first};
    // Decoded from anything else, the figure would be p(x | some other z): refused, not reported.
    if (!computed_from(spec, d.output, sample))
        yaml_fail(found->node, {spec.file, "losses." + found->name},
                  "loss '" + found->name + "' reads '" + d.output + "', which is not computed from the posterior sample '" + sample +
                      "' (generate.sample): the log-likelihood needs the decoder of that sample");
    d.variance = option_or(found->options, "variance", 1.0);
    d.eps = option_or(found->options, "eps", 1e-7);
    return d;
}

// Rows `rows` of `t` ([B, ...]) in that order: [rows.size(), ...].
Tensor gather_rows(Context& ctx, const Tensor& t, const std::vector<int64_t>& rows) {
    Shape shape = t.shape();
    shape[0] = static_cast<int64_t>(rows.size());
    Tensor out = ctx.empty(t.dtype(), shape);
    const std::size_t bytes = static_cast<std::size_t>(t.numel() / std::max<int64_t>(1, t.dim(0))) * sizeof(float);
    static_assert(sizeof(float) == sizeof(int32_t), "every element type is four bytes");
    for (std::size_t r = 0; r < rows.size(); ++r)
        std::memcpy(static_cast<char*>(out.raw()) + r * bytes, static_cast<const char*>(t.raw()) + static_cast<std::size_t>(rows[r]) * bytes, bytes);
    return out;
}

// Every tensor of `values` with `n` rows, its rows taken as `rows` says.
TensorMap gather_rows(Context& ctx, const TensorMap& values, int64_t n, const std::vector<int64_t>& rows) {
    TensorMap out;
    for (const auto& [name, t] : values)
        if (t.rank() > 0 && t.dim(0) == n) out[name] = gather_rows(ctx, t, rows);
    return out;
}

// log p(x | z) of each row r of the decoder's output `y` ([R, ...]), whose data is example
// r / per_example of `x` ([P, ...]), added to `out[r]`.
// Softplus and log-softmax come from the host's vectorised ops; the rest is a sum per row.
void add_log_likelihood(const Decoder& d, const Tensor& y, const Tensor& x, int64_t per_example, std::vector<double>& out,
                        const std::string& file, Context& ctx, const OpRegistry& ops) {
    const int64_t rows = y.dim(0), examples = x.dim(0);
    const int64_t classes = d.family == Family::categorical ? y.dim(-1) : 1;
    const int64_t size = x.numel() / std::max<int64_t>(1, examples);
    const bool fits = rows == examples * per_example && y.numel() == rows * size * classes &&
                      x.dtype() == (d.family == Family::categorical ? DType::i32 : DType::f32) && y.dtype() == DType::f32;
    if (!fits)
        throw ConfigError(SourcePlace{file, 0, 0, "losses"}, "the likelihood of '" + d.field + "' (" + describe(x) + ") cannot be read from '" +
                                                             d.output + "' (" + describe(y) + ")");
    const float* out_y = y.data<float>();
    // softplus(q) for Bernoulli logits, log softmax(q) for categories
    Tensor derived = d.family == Family::bernoulli_logits ? ops.call(ctx, "softplus", {y}).front()
                     : d.family == Family::categorical    ? ops.call(ctx, "log_softmax", {y}, {-1.0}).front()
                                                          : Tensor();
    const float* pre = derived.defined() ? derived.data<float>() : nullptr;
#pragma omp parallel for schedule(static)
    for (int64_t r = 0; r < rows; ++r) {
        const int64_t e = r / per_example;
        double sum = 0;
        if (d.family == Family::categorical) {
            const int32_t* tokens = x.data<int32_t>() + e * size;
            for (int64_t t = 0; t < size; ++t) {
                const int32_t k = std::clamp<int32_t>(tokens[t], 0, static_cast<int32_t>(classes - 1));
                sum += pre[(r * size + t) * classes + k];
            }
        } else {
            const float* data = x.data<float>() + e * size;
            const float* p = out_y + r * size;
            if (d.family == Family::bernoulli_logits) {  // v q - softplus(q)
                const float* softplus = pre + r * size;
                float row = 0;  // in float lanes: a row of a few thousand terms rounds off far less than a nat
#pragma omp simd reduction(+ : row)
                for (int64_t i = 0; i < size; ++i) row += data[i] * p[i] - softplus[i];
                out[static_cast<std::size_t>(r)] += row;
                continue;
            }
            for (int64_t i = 0; i < size; ++i) {
                const double v = data[i], q = p[i];
                switch (d.family) {
                    case Family::bernoulli: {
                        const double c = std::clamp(q, d.eps, 1 - d.eps);
                        sum += v * std::log(c) + (1 - v) * std::log(1 - c);
                        break;
                    }
                    default:  // gaussian
                        sum += -0.5 * ((v - q) * (v - q) / d.variance + std::log(d.variance) + log_two_pi);
                }
            }
        }
        out[static_cast<std::size_t>(r)] += sum;
    }
}

// A posterior the proposal mixes: modalities kept (none: all of them), and its parameters.
struct Component {
    std::optional<std::vector<std::string>> kept;
    std::vector<float> mu, logvar;  // [P, D]
    double log_weight = minus_infinity;
};

// What one figure needs: the decoders whose likelihoods add up, and the proposal's parts.
struct Term {
    LikelihoodTerm report;
    std::vector<Decoder> decoders;
    std::vector<Component> proposal;
};

// Without generate.sample, the posterior sample is the one output of the node that reads the
// posterior mean and log-variance (encoder/gaussian), when exactly one node does; else "".
std::string posterior_sample(const PipelineSpec& spec) {
    const GenerateSpec& g = spec.generate;
    std::string found;
    int readers = 0;
    for (const NodeSpec& n : spec.nodes) {
        bool mean = false, logvar = false;
        for (const auto& [port, tensor] : n.in) {
            mean = mean || tensor == g.latent;
            logvar = logvar || tensor == g.latent_logvar;
        }
        if (mean && logvar && n.out.size() == 1) {
            found = n.out.front().second;
            ++readers;
        }
    }
    return readers == 1 ? found : "";
}

class Estimator {
public:
    Estimator(const Pipeline& pipeline, Context& ctx, const OpRegistry& ops, const LikelihoodOptions& options)
        : pipeline_(pipeline), ctx_(ctx), ops_(ops), options_(options), sampler_(pipeline, ctx, ops) {
        const PipelineSpec& spec = pipeline.spec();
        const GenerateSpec& g = spec.generate;
        const YamlPlace place{spec.file, "generate"};
        if (options.samples < 1) throw UsageError("--nll: the number of importance samples must be at least 1, not " + std::to_string(options.samples));
        if (options.rows < 1) throw UsageError("--nll-rows: must be at least 1, not " + std::to_string(options.rows));
        if (!g.present) throw ConfigError(SourcePlace{spec.file}, "the log-likelihood needs a generate section naming the posterior (latent, latent_logvar, sample)");
        sample_ = g.sample.empty() ? posterior_sample(spec) : g.sample;
        for (const auto& [key, value] : {std::pair{"latent", g.latent}, {"latent_logvar", g.latent_logvar}, {"sample", sample_}, {"from", g.from}})
            if (value.empty())
                yaml_fail(g.node, place,
                          std::string("the log-likelihood needs generate.") + key +
                              " (latent: the posterior mean, latent_logvar: its log-variance, sample: the posterior sample the decoders read, from: the prior's noise)");
        auto noise = std::find_if(spec.noise.begin(), spec.noise.end(), [&](const NoiseSpec& n) { return n.name == g.from; });
        if (noise == spec.noise.end() || noise->distribution != "normal")
            yaml_fail(g.node, place.child("from"), "the log-likelihood needs the prior to be a standard normal noise, and '" + g.from + "' is " +
                                                       (noise == spec.noise.end() ? "no noise" : "'" + noise->distribution + "' noise"));
        latent_size_ = numel(noise->shape);
        if (sampler_.multimodal()) {
            std::vector<std::string> all;
            Term joint;
            joint.report.name = "joint";
            for (const ModalitySpec& m : g.modalities) {
                if (m.mask.empty())
                    yaml_fail(m.node, place.child("modalities." + m.name),
                              "the log-likelihood of each modality comes from its posterior alone, the others left out, and modality '" + m.name +
                                  "' has no mask to leave it out by (name the data field saying it is present: mask)");
                Term t;
                t.report.name = m.name;
                t.decoders.push_back(find_decoder(spec, m.name, m.field, m.mask, sample_));
                t.proposal.push_back({std::vector<std::string>{m.name}, {}, {}});
                joint.decoders.push_back(t.decoders.back());
                joint.proposal.push_back(t.proposal.back());
                terms_.push_back(std::move(t));
            }
            joint.proposal.push_back({std::nullopt, {}, {}});
            terms_.push_back(std::move(joint));
        } else {
            if (g.reconstruct.empty())
                yaml_fail(g.node, place, "the log-likelihood needs generate.reconstruct, the data field the model encodes and decodes");
            Term t;
            t.report.name = g.reconstruct;
            t.decoders.push_back(find_decoder(spec, g.reconstruct, g.reconstruct, "", sample_));
            t.proposal.push_back({std::nullopt, {}, {}});
            terms_.push_back(std::move(t));
        }
    }

    LikelihoodReport run(const DataSplit& split) {
        EvalMode eval(ctx_);
        std::vector<int64_t> examples(split.indices.begin(), split.indices.end());
        if (options_.limit > 0 && options_.limit < static_cast<int64_t>(examples.size())) examples.resize(static_cast<std::size_t>(options_.limit));
        // As many examples per pass as keep every sample of each in one decoder pass, at least one.
        const int64_t batch = std::max<int64_t>(1, options_.rows / options_.samples);
        LikelihoodReport report;
        report.samples = options_.samples;
        for (Term& term : terms_) {
            const int64_t steps = (static_cast<int64_t>(examples.size()) + batch - 1) / batch;
            std::optional<ProgressBar> bar;
            if (options_.progress) bar.emplace(*options_.progress, "likelihood " + term.report.name, steps, batch, options_.terminal);
            double sum = 0, sum_sq = 0, sum_elbo = 0;
            int64_t seen = 0;
            for (int64_t start = 0, step = 0; start < static_cast<int64_t>(examples.size()); start += batch) {
                const auto first = examples.begin() + start;
                const std::vector<int64_t> chunk(first, first + std::min<int64_t>(batch, static_cast<int64_t>(examples.size()) - start));
                for (const auto& [nll, elbo] : estimate_batch(term, split, chunk)) {
                    sum += nll;
                    sum_sq += nll * nll;
                    sum_elbo += elbo;
                    ++seen;
                }
                if (bar) bar->update(++step, {});
            }
            if (bar) bar->finish({});
            term.report.examples = seen;
            if (seen > 0) {
                const double mean = sum / static_cast<double>(seen);
                term.report.nll = mean;
                term.report.elbo = sum_elbo / static_cast<double>(seen);
                const double variance = seen > 1 ? std::max(0.0, (sum_sq - static_cast<double>(seen) * mean * mean) / static_cast<double>(seen - 1)) : 0.0;
                term.report.standard_error = std::sqrt(variance / static_cast<double>(seen));
            }
            report.terms.push_back(term.report);
        }
        return report;
    }

private:
    // (-log p(x), mean log weight) of each example of `indices` that holds what `term` measures.
    std::vector<std::pair<double, double>> estimate_batch(Term& term, const DataSplit& split, const std::vector<int64_t>& indices) {
        TensorMap values;
        pipeline_.read_examples(split, indices, values);
        const int64_t n = static_cast<int64_t>(indices.size());
        std::vector<int64_t> present;
        for (int64_t i = 0; i < n; ++i) {
            bool all = true;
            for (const Decoder& d : term.decoders)
                if (!d.mask.empty()) all = all && values.at(d.mask).data<float>()[i] > 0.5f;
            if (all) present.push_back(i);
        }
        if (present.empty()) return {};
        const TensorMap examples = gather_rows(ctx_, values, n, present);
        const int64_t count = static_cast<int64_t>(present.size()), k_total = options_.samples;
        encode(term, examples, count);

        // Stratified: sample k comes from component k mod C, so each component's weight in the
        // mixture is its share of the samples.
        const auto parts = static_cast<int64_t>(term.proposal.size());
        for (int64_t c = 0; c < parts; ++c) {
            const int64_t drawn = k_total / parts + (c < k_total % parts ? 1 : 0);
            term.proposal[static_cast<std::size_t>(c)].log_weight =
                drawn > 0 ? std::log(static_cast<double>(drawn) / static_cast<double>(k_total)) : minus_infinity;
        }
        std::vector<std::string> outputs;
        for (const Decoder& d : term.decoders) outputs.push_back(d.output);

        std::vector<double> top(static_cast<std::size_t>(count), minus_infinity), scaled(static_cast<std::size_t>(count), 0.0),
            weight_sum(static_cast<std::size_t>(count), 0.0);
        const int64_t per_pass = std::max<int64_t>(1, options_.rows / count);
        for (int64_t k0 = 0; k0 < k_total; k0 += per_pass) {
            const int64_t kc = std::min(per_pass, k_total - k0), rows = count * kc;
            std::vector<double> log_w(static_cast<std::size_t>(rows), 0.0);
            TensorMap decoding = repeat_rows(examples, count, kc);
            decoding[sample_] = draw(term, count, k0, kc, log_w);
            pipeline_.sample_noise(decoding, rows);
            std::set<std::string> available;
            for (const auto& v : decoding) available.insert(v.first);
            pipeline_.run_nodes(decoding, pipeline_.dataflow().nodes_for(outputs, available));
            for (const Decoder& d : term.decoders)
                add_log_likelihood(d, decoding.at(d.output), examples.at(d.field), kc, log_w, pipeline_.spec().file, ctx_, ops_);
            for (int64_t r = 0; r < rows; ++r) {  // a running log-sum-exp per example
                const auto e = static_cast<std::size_t>(r / kc);
                const double v = log_w[static_cast<std::size_t>(r)];
                weight_sum[e] += v;
                if (v == minus_infinity) continue;  // a weight of 0 adds nothing (and exp(-inf + inf) is no number)
                if (v > top[e]) {
                    scaled[e] = scaled[e] * std::exp(top[e] - v) + 1.0;
                    top[e] = v;
                } else {
                    scaled[e] += std::exp(v - top[e]);
                }
            }
        }
        std::vector<std::pair<double, double>> out;
        for (std::size_t e = 0; e < static_cast<std::size_t>(count); ++e) {
            const double log_p = top[e] + std::log(scaled[e]) - std::log(static_cast<double>(k_total));
            if (!std::isfinite(log_p))
                throw DataError("the log-likelihood of example " + std::to_string(indices[static_cast<std::size_t>(present[e])]) +
                                " is not finite: the model gives its data no probability");
            out.emplace_back(-log_p, weight_sum[e] / static_cast<double>(k_total));
        }
        return out;
    }

    // Each proposal component's posterior of `examples`.
    void encode(Term& term, const TensorMap& examples, int64_t count) {
        const GenerateSpec& g = pipeline_.spec().generate;
        for (Component& c : term.proposal) {
            TensorMap values = c.kept ? sampler_.keep_only(examples, *c.kept) : examples;
            pipeline_.sample_noise(values, count);
            std::set<std::string> available;
            for (const auto& v : values) available.insert(v.first);
            pipeline_.run_nodes(values, pipeline_.dataflow().nodes_for({g.latent, g.latent_logvar}, available));
            for (const auto& [tensor, into] : {std::pair{&g.latent, &c.mu}, {&g.latent_logvar, &c.logvar}}) {
                const Tensor& t = values.at(*tensor);
                if (t.dtype() != DType::f32 || t.numel() != count * latent_size_)
                    throw ConfigError(SourcePlace{pipeline_.spec().file, 0, 0, "generate"},
                                      "'" + *tensor + "' is " + describe(t) + ", but the prior '" + g.from + "' has " + std::to_string(latent_size_) +
                                          " values per example");
                into->assign(t.data<float>(), t.data<float>() + t.numel());
            }
        }
    }

    // Samples k0 .. k0 + kc of each of `count` examples from the proposal ([count * kc, D], the
    // samples of one example together); adds log p(z) - log q(z | x) of each to `log_w`.
    Tensor draw(const Term& term, int64_t count, int64_t k0, int64_t kc, std::vector<double>& log_w) {
        const int64_t d = latent_size_, rows = count * kc;
        const auto parts = static_cast<int64_t>(term.proposal.size());
        Tensor noise = ops_.call(ctx_, "random_normal", {}, {0.0, 1.0, static_cast<double>(rows), static_cast<double>(d)}).front();
        Tensor z = ctx_.empty(DType::f32, {rows, d});
        const float* eps = noise.data<float>();
        float* out = z.data<float>();
#pragma omp parallel for schedule(static)
        for (int64_t r = 0; r < rows; ++r) {
            const int64_t e = r / kc, k = k0 + r % kc;
            const Component& from = term.proposal[static_cast<std::size_t>(k % parts)];
            double log_prior = 0;
            for (int64_t j = 0; j < d; ++j) {
                const std::size_t at = static_cast<std::size_t>(e * d + j);
                const double v = from.mu[at] + std::exp(0.5 * from.logvar[at]) * eps[r * d + j];
                out[r * d + j] = static_cast<float>(v);
                const double z = out[r * d + j];  // the float the decoder reads, as log q uses
                log_prior += -0.5 * (z * z + log_two_pi);
            }
            // log q(z) = log sum_c w_c N(z; mu_c, exp(logvar_c)), with the float z the decoder reads.
            double top = minus_infinity, sum = 0;
            std::vector<double> log_q(static_cast<std::size_t>(parts), minus_infinity);
            for (int64_t c = 0; c < parts; ++c) {
                const Component& q = term.proposal[static_cast<std::size_t>(c)];
                if (q.log_weight == minus_infinity) continue;
                double l = q.log_weight;
                for (int64_t j = 0; j < d; ++j) {
                    const std::size_t at = static_cast<std::size_t>(e * d + j);
                    const double diff = out[r * d + j] - static_cast<double>(q.mu[at]);
                    l += -0.5 * (diff * diff * std::exp(-static_cast<double>(q.logvar[at])) + q.logvar[at] + log_two_pi);
                }
                log_q[static_cast<std::size_t>(c)] = l;
                top = std::max(top, l);
            }
            for (double l : log_q)
                if (l != minus_infinity) sum += std::exp(l - top);
            log_w[static_cast<std::size_t>(r)] += log_prior - (top + std::log(sum));
        }
        return z;
    }

    // Every tensor of `values` ([count, ...]) with each row repeated `times` times in a row.
    TensorMap repeat_rows(const TensorMap& values, int64_t count, int64_t times) {
        std::vector<int64_t> rows;
        for (int64_t e = 0; e < count; ++e) rows.insert(rows.end(), static_cast<std::size_t>(times), e);
        return gather_rows(ctx_, values, count, rows);
    }

    const Pipeline& pipeline_;
    Context& ctx_;
    const OpRegistry& ops_;
    LikelihoodOptions options_;
    ModalSampler sampler_;
    std::vector<Term> terms_;
    std::string sample_;  // the tensor the decoders read the posterior's samples from
    int64_t latent_size_ = 0;
};

}  // namespace

LikelihoodReport estimate_likelihood(const Pipeline& pipeline, Context& ctx, const OpRegistry& ops, const DataSplit& split,
                                     const LikelihoodOptions& options) {
    Estimator estimator(pipeline, ctx, ops, options);
    return estimator.run(split);
}

}  // namespace chimera
