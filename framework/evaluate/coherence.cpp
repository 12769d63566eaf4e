#include "evaluate/coherence.hpp"

#include "core/host_error.hpp"
#include "evaluate/linear_probe.hpp"
#include "core/progress.hpp"

#include <algorithm>
#include <optional>

namespace chimera {

namespace {

std::vector<int64_t> first(const DataSplit& s, int64_t limit) {
    const auto n = limit > 0 ? std::min<std::size_t>(static_cast<std::size_t>(limit), s.indices.size()) : s.indices.size();
    return std::vector<int64_t>(s.indices.begin(), s.indices.begin() + static_cast<std::ptrdiff_t>(n));
}

std::vector<int64_t> chunk(const std::vector<int64_t>& all, std::size_t start, int64_t batch) {
    const std::size_t end = std::min(all.size(), start + static_cast<std::size_t>(batch));
    return std::vector<int64_t>(all.begin() + static_cast<std::ptrdiff_t>(start), all.begin() + static_cast<std::ptrdiff_t>(end));
}

// 1 where every modality of `sources` is present in `values`.
std::vector<bool> present(const ModalSampler& sampler, const TensorMap& values, const std::vector<std::string>& sources, int64_t n) {
    std::vector<bool> out(static_cast<std::size_t>(n), true);
    for (const auto& s : sources) {
        const ModalitySpec& m = sampler.modality(s);
        if (m.mask.empty()) continue;
        const float* mask = values.at(m.mask).data<float>();
        for (int64_t i = 0; i < n; ++i) out[static_cast<std::size_t>(i)] = out[static_cast<std::size_t>(i)] && mask[i] != 0.0f;
    }
    return out;
}

class Coherence {
public:
    Coherence(const Pipeline& p, const ModalSampler& s, const std::vector<const Judge*>& judges, const CoherenceOptions& o)
        : pipeline_(p), sampler_(s), judges_(judges), options_(o) {
        for (const Judge* j : judges) report_.targets.push_back(j->modality());
        report_.sources = sampler_.names();
        report_.sources.push_back("all");
        for (const auto& t : report_.targets) {
            report_.judge_accuracy[t] = Share();
            for (const auto& s : report_.sources) report_.cross[{s, t}] = Share();
        }
    }

    CoherenceReport run(const DataSplit& split, const DataSplit& train) {
        const std::vector<int64_t> examples = first(split, options_.limit);
        report_.examples = static_cast<int64_t>(examples.size());
        const int64_t steps = (report_.examples + options_.batch - 1) / options_.batch;
        std::optional<ProgressBar> bar;
        if (options_.progress) bar.emplace(*options_.progress, "coherence", steps, options_.batch, options_.terminal);
        std::map<std::string, ProbeData> probe_test;
        for (std::size_t start = 0, step = 0; start < examples.size(); start += static_cast<std::size_t>(options_.batch)) {
            cross_batch(split, chunk(examples, start, options_.batch), probe_test);
            if (bar) bar->update(static_cast<int64_t>(++step), {});
        }
        if (bar) bar->finish({});
        joint(options_.joint_samples > 0 ? options_.joint_samples : report_.examples);
        if (options_.probe_train > 0 && !pipeline_.spec().generate.latent.empty()) probe(train, probe_test);
        return report_;
    }

private:
    std::vector<int32_t> labels(const TensorMap& values) const {
        auto it = values.find(options_.label);
        if (it == values.end() || it->second.dtype() != DType::i32)
            throw ConfigError(SourcePlace{pipeline_.spec().file}, "coherence needs the class of each example in an int32 data field '" + options_.label + "'");
        std::vector<int32_t> y(it->second.data<int32_t>(), it->second.data<int32_t>() + it->second.numel());
        for (int32_t v : y)
            if (v < 0 || v >= options_.classes)
                throw DataError(pipeline_.spec().file + ": data field '" + options_.label + "' holds class " + std::to_string(v) +
                                ", outside 0.." + std::to_string(options_.classes - 1) + " (generate.classes)");
        return y;
    }

    static void count(Share& s, bool right) {
        s.right += right;
        ++s.seen;
    }

    void cross_batch(const DataSplit& split, const std::vector<int64_t>& indices, std::map<std::string, ProbeData>& probe_test) {
        TensorMap batch;
        pipeline_.read_examples(split, indices, batch);
        const auto n = static_cast<int64_t>(indices.size());
        const std::vector<int32_t> y = labels(batch);
        for (const Judge* j : judges_) {  // the judge on real data, where the example has it
            const std::vector<bool> has = present(sampler_, batch, {j->modality()}, n);
            const std::vector<int32_t> v = j->classify(batch.at(sampler_.modality(j->modality()).field));
            for (int64_t i = 0; i < n; ++i)
                if (has[i]) count(report_.judge_accuracy[j->modality()], v[i] == y[i]);
        }
        for (const std::string& source : report_.sources) {
            const std::vector<std::string> given = source == "all" ? sampler_.names() : std::vector<std::string>{source};
            const std::vector<bool> has = present(sampler_, batch, given, n);
            const TensorMap kept = sampler_.keep_only(batch, given);
            const TensorMap made = sampler_.decode(kept, report_.targets, options_.mean);
            for (const Judge* j : judges_) {
                const std::vector<int32_t> v = j->classify(made.at(j->modality()));
                Share& t = report_.cross[{source, j->modality()}];
                for (int64_t i = 0; i < n; ++i)
                    if (has[i]) count(t, v[i] == y[i]);
            }
            if (options_.probe_train > 0 && !pipeline_.spec().generate.latent.empty())
                add_latents(probe_test[source], sampler_.latent(kept), y, has);
        }
    }

    static void add_latents(ProbeData& d, const Tensor& z, const std::vector<int32_t>& y, const std::vector<bool>& keep) {
        d.dim = z.dim(1);
        for (int64_t i = 0; i < z.dim(0); ++i) {
            if (!keep[static_cast<std::size_t>(i)]) continue;
            d.features.insert(d.features.end(), z.data<float>() + i * d.dim, z.data<float>() + (i + 1) * d.dim);
            d.labels.push_back(y[static_cast<std::size_t>(i)]);
        }
    }

    void joint(int64_t samples) {
        std::vector<std::string> priors;
        for (const auto& t : report_.targets)
            if (!sampler_.modality(t).prior.empty()) priors.push_back(t);
        if (priors.size() < 2 || samples < 1) return;
        for (int64_t done = 0; done < samples; done += options_.batch) {
            const int64_t n = std::min(options_.batch, samples - done);
            const TensorMap made = sampler_.sample_prior(n, priors);
            std::map<std::string, std::vector<int32_t>> verdict;
            for (const Judge* j : judges_)
                if (made.count(j->modality())) verdict[j->modality()] = j->classify(made.at(j->modality()));
            for (int64_t i = 0; i < n; ++i) {
                bool all = true;
                for (std::size_t a = 0; a < priors.size(); ++a)
                    for (std::size_t b = a + 1; b < priors.size(); ++b) {
                        const bool same = verdict[priors[a]][i] == verdict[priors[b]][i];
                        count(report_.joint_pairs[{priors[a], priors[b]}], same);
                        all = all && same;
                    }
                count(report_.joint, all);
            }
        }
    }

    void probe(const DataSplit& train, const std::map<std::string, ProbeData>& test) {
        const std::vector<int64_t> examples = first(train, options_.probe_train);
        std::map<std::string, ProbeData> fit;
        for (std::size_t start = 0; start < examples.size(); start += static_cast<std::size_t>(options_.batch)) {
            TensorMap batch;
            const std::vector<int64_t> indices = chunk(examples, start, options_.batch);
            pipeline_.read_examples(train, indices, batch);
            const std::vector<int32_t> y = labels(batch);
            for (const std::string& source : report_.sources) {
                const std::vector<std::string> given = source == "all" ? sampler_.names() : std::vector<std::string>{source};
                const TensorMap kept = sampler_.keep_only(batch, given);
                add_latents(fit[source], sampler_.latent(kept), y, present(sampler_, batch, given, static_cast<int64_t>(indices.size())));
            }
        }
        report_.probe_train = static_cast<int64_t>(examples.size());
        for (const auto& [source, data] : fit)
            if (data.size() > 0 && test.count(source) && test.at(source).size() > 0)
                report_.probe[source] = linear_probe(data, test.at(source), options_.classes).test_accuracy;
    }

    const Pipeline& pipeline_;
    const ModalSampler& sampler_;
    const std::vector<const Judge*>& judges_;
    const CoherenceOptions& options_;
    CoherenceReport report_;
};

}  // namespace

CoherenceReport evaluate_coherence(const Pipeline& pipeline, const ModalSampler& sampler, const std::vector<const Judge*>& judges,
                                   const DataSplit& split, const DataSplit& train, const CoherenceOptions& options) {
    if (judges.empty()) throw UsageError("coherence needs at least one judge of a modality");
    return Coherence(pipeline, sampler, judges, options).run(split, train);
}

}  // namespace chimera
