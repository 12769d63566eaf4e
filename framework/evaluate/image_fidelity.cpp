#include "evaluate/image_fidelity.hpp"

#include "core/host_error.hpp"
#include "core/progress.hpp"
#include "evaluate/fid.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <random>

namespace chimera {

namespace {

// Pixels a blur of `sigma` spreads over on each side: the Gaussian is below 1% of its peak beyond.
int blur_radius(double sigma) { return std::max(1, static_cast<int>(std::ceil(3.0 * sigma))); }

// A separable Gaussian blur of every [H, W] plane of `images` [N, C, H, W], edges repeated.
Tensor blurred(Context& ctx, const Tensor& images, double sigma) {
    const int r = blur_radius(sigma);
    std::vector<float> kernel;
    float sum = 0;
    for (int i = -r; i <= r; ++i) kernel.push_back(static_cast<float>(std::exp(-0.5 * i * i / (sigma * sigma))));
    for (float k : kernel) sum += k;
    for (float& k : kernel) k /= sum;
    const int64_t h = images.dim(2), w = images.dim(3), planes = images.dim(0) * images.dim(1);
    Tensor out = ctx.empty(DType::f32, images.shape());
    std::vector<float> rows(static_cast<std::size_t>(h * w));
    for (int64_t p = 0; p < planes; ++p) {
        const float* in = images.data<float>() + p * h * w;
        float* o = out.data<float>() + p * h * w;
        for (int64_t y = 0; y < h; ++y)  // along rows
            for (int64_t x = 0; x < w; ++x) {
                float v = 0;
                for (int i = -r; i <= r; ++i) v += kernel[i + r] * in[y * w + std::clamp<int64_t>(x + i, 0, w - 1)];
                rows[y * w + x] = v;
            }
        for (int64_t y = 0; y < h; ++y)  // then along columns
            for (int64_t x = 0; x < w; ++x) {
                float v = 0;
                for (int i = -r; i <= r; ++i) v += kernel[i + r] * rows[std::clamp<int64_t>(y + i, 0, h - 1) * w + x];
                o[y * w + x] = v;
            }
    }
    return out;
}

// `images` plus Gaussian noise of standard deviation `sigma`, clipped to [lo, hi].
Tensor noised(Context& ctx, const Tensor& images, double sigma, double lo, double hi, std::mt19937_64& random) {
    std::normal_distribution<float> noise(0.0f, static_cast<float>(sigma));
    Tensor out = ctx.empty(DType::f32, images.shape());
    for (int64_t i = 0; i < images.numel(); ++i)
        out.data<float>()[i] = std::clamp(images.data<float>()[i] + noise(random), static_cast<float>(lo), static_cast<float>(hi));
    return out;
}

void append(FeatureSet& set, const Tensor& features) {
    set.d = features.dim(1);
    set.n += features.dim(0);
    set.values.insert(set.values.end(), features.data<float>(), features.data<float>() + features.numel());
}

// The first `count` examples of `split` from `begin`: the field holding the images, [count, ...].
Tensor read_images(const Pipeline& p, const DataSplit& split, int64_t begin, int64_t count, const std::string& field) {
    TensorMap values;
    p.read_examples(split, std::vector<int64_t>(split.indices.begin() + begin, split.indices.begin() + begin + count), values);
    return values.at(field);
}

// The judge trains on values of one range: images of another give features that mean nothing.
void check_range(const Judge& judge, const Tensor& real, const std::string& where) {
    const std::optional<std::pair<double, double>> trained = judge.training_range(256);
    if (!trained) return;
    const auto [lo, hi] = std::minmax_element(real.data<float>(), real.data<float>() + real.numel());
    const double span = std::max({trained->second - trained->first, double(*hi) - double(*lo), 1e-6});
    if (std::abs(trained->first - *lo) > 0.1 * span || std::abs(trained->second - *hi) > 0.1 * span)
        throw DataError(fmt::format("judge {}: it trained on values in [{:.3g}, {:.3g}] but {} holds images in [{:.3g}, {:.3g}]; "
                                    "train the judge on data scaled as this run's (classifier_fashion: --set data.options.scale=symmetric "
                                    "for [-1, 1])",
                                    judge.where(), trained->first, trained->second, where, *lo, *hi));
}

}  // namespace

std::string image_field(const Pipeline& pipeline) {
    const GenerateSpec& g = pipeline.spec().generate;
    if (!g.reconstruct.empty()) return g.reconstruct;
    std::vector<std::string> images, all;
    for (const FieldInfo& f : pipeline.fields()) {
        all.push_back(f.name);
        if (f.dtype == DType::f32 && f.shape.size() >= 2) images.push_back(f.name);
    }
    if (images.size() == 1) return images.front();
    throw ConfigError(SourcePlace{pipeline.spec().file, 0, 0, "generate"},
                      "cannot tell which data field holds the real images (fields: " + fmt::format("{}", fmt::join(all, ", ")) +
                          "); name it as generate.reconstruct");
}

FidelityReport evaluate_fidelity(const Pipeline& p, Context& ctx, const ImageSampler& sampler, const PluginRegistry& registry,
                                 const std::string& judge_where, const std::filesystem::path& this_run, const DataSplit& reference,
                                 const FidelityOptions& o) {
    const DataSplit& train = p.train_split();
    if (reference.loader == train.loader && reference.indices == train.indices)
        throw UsageError("--fid: the reference split must not be the training split: the floor compares training images with it");
    if (o.n <= o.k)
        throw UsageError(fmt::format("--n {}: FID and precision/recall (k = {}) need at least {} images per set", o.n, o.k, o.k + 1));
    const std::pair<const DataSplit*, const char*> splits[] = {{&reference, "reference"}, {&train, "training"}};
    for (const auto& [split, name] : splits)
        if (static_cast<int64_t>(split->indices.size()) < o.n)
            throw UsageError(fmt::format("--n {}: the {} split holds only {} examples", o.n, name, split->indices.size()));
    if (!sampler.can_generate())
        throw ConfigError(SourcePlace{p.spec().file, 0, 0, "generate"}, "this pipeline cannot generate: its generate section names no prior ('from')");
    FidelityReport report;
    report.judge = judge_where;
    report.field = image_field(p);
    report.n = o.n;
    const Judge judge(registry, ctx, report.field, judge_where, read_images(p, reference, 0, 2, report.field), this_run);

    const GenerateSpec& g = p.spec().generate;
    std::mt19937_64 random(o.seed);
    FeatureSet real, generated, training, blur, noise;
    const int64_t steps = (o.n + o.batch - 1) / o.batch;
    std::optional<ProgressBar> bar;
    if (o.progress) bar.emplace(*o.progress, "fid", steps, o.batch, o.terminal);
    uint64_t draws = 0;  // each prior draw on its own seed
    for (int64_t begin = 0, step = 0; begin < o.n; begin += o.batch) {
        const int64_t count = std::min(o.batch, o.n - begin);
        const Tensor images = read_images(p, reference, begin, count, report.field);
        if (begin == 0) check_range(judge, images, "the reference split");
        append(real, judge.output(images, o.port));
        // The floor's images are the ones distorted, not the reference's: those would share their
        // sampling noise with the reference and score below the floor at small N.
        const Tensor own = read_images(p, train, begin, count, report.field);
        append(training, judge.output(own, o.port));
        Shape planes = own.shape();  // blur reads [N, C, H, W]; [N, H, W] is one channel
        if (planes.size() == 3) planes.insert(planes.begin() + 1, 1);
        if (planes.size() == 4)
            append(blur, judge.output(blurred(ctx, own.reshaped(planes), o.blur_sigma).reshaped(own.shape()), o.port));
        append(noise, judge.output(noised(ctx, own, o.noise_sigma * (g.hi - g.lo), g.lo, g.hi, random), o.port));
        // A conditional model draws image i of class floor(i * classes / n): equal shares, in class order.
        Tensor drawn = ctx.empty(DType::f32, images.shape());
        const int64_t per = images.numel() / count;
        for (int64_t i = begin; i < begin + count;) {
            std::optional<int64_t> label;
            int64_t end = begin + count;
            if (sampler.is_conditional()) {
                label = i * sampler.classes() / o.n;
                end = std::min(end, ((*label + 1) * o.n + sampler.classes() - 1) / sampler.classes());
            }
            const Tensor made = sampler.generate(end - i, o.seed + 1 + draws++, label);
            if (made.numel() != (end - i) * per)
                throw DataError(fmt::format("the run draws images of {} values but its data field '{}' holds {} per example", made.numel() / (end - i),
                                            report.field, per));
            std::memcpy(drawn.data<float>() + (i - begin) * per, made.data<float>(), static_cast<std::size_t>(made.numel()) * sizeof(float));
            i = end;
        }
        append(generated, judge.output(drawn, o.port));
        if (bar) bar->update(++step, {});
    }
    if (bar) bar->finish({});
    report.features = real.d;
    const GaussianFit reference_fit = fit_gaussian(real);
    auto measure = [&](const std::string& name, const FeatureSet& set) {
        if (set.n == 0) return;
        const PrecisionRecall pr = precision_recall(real, set, o.k);
        report.rows.push_back({name, frechet_distance(fit_gaussian(set), reference_fit), pr.precision, pr.recall});
    };
    measure("generated", generated);
    measure("training", training);
    measure("blurred", blur);
    measure("noised", noise);
    return report;
}

}  // namespace chimera
