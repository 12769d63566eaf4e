#include "generate/image_sampler.hpp"

#include "core/host_error.hpp"
#include "ops/op_registry.hpp"
#include "tensor/shape_error.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

namespace chimera {

ImageSampler::ImageSampler(const Pipeline& pipeline, Context& ctx, const OpRegistry& ops)
    : pipeline_(pipeline), ctx_(ctx), ops_(ops) {}

bool ImageSampler::can_generate() const { return spec().present && !spec().from.empty(); }
bool ImageSampler::can_reconstruct() const { return spec().present && !spec().reconstruct.empty(); }

// Runs the nodes that make the image tensor from `values`, applies the activation and shapes the
// result [n, C, H, W] (a flat [n, D] with D a square becomes one channel of sqrt(D)^2).
Tensor ImageSampler::draw(TensorMap values, int64_t n, const std::string& tensor) const {
    std::set<std::string> available;
    for (const auto& v : values) available.insert(v.first);
    pipeline_.run_nodes(values, pipeline_.dataflow().nodes_for({tensor}, available));
    Tensor y = values.at(tensor);
    if (spec().activation != "none") y = ops_.call(ctx_, spec().activation, {y}).front();
    const Shape& s = y.shape();
    if (s.size() == 4 || s.size() == 3) return y;
    auto side = static_cast<int64_t>(std::lround(std::sqrt(static_cast<double>(y.numel() / n))));
    if (s.size() == 2 && side * side == s[1]) return y.reshaped({n, 1, side, side});
    throw ConfigError(SourcePlace{pipeline_.spec().file, 0, 0, "generate"}, "'" + tensor + "' is " + describe(y) +
                      ", not images ([N, C, H, W], [N, H, W] or [N, D] with D a square)");
}

Tensor ImageSampler::first_rows(const Tensor& t, int64_t rows) const {
    Shape shape = t.shape();
    shape[0] = rows;
    Tensor out = ctx_.empty(t.dtype(), shape);
    std::memcpy(out.raw(), t.raw(), static_cast<std::size_t>(out.numel()) * 4);
    return out;
}

Tensor ImageSampler::condition(const std::vector<int32_t>& labels) const {
    Tensor t = ctx_.empty(DType::i32, {static_cast<int64_t>(labels.size())});
    std::copy(labels.begin(), labels.end(), t.data<int32_t>());
    return t;
}

Tensor ImageSampler::generate(int64_t n, uint64_t seed, std::optional<int64_t> label, int columns) const {
    std::vector<int32_t> labels;
    if (is_conditional()) {
        if (!label) n = classes() * columns;
        for (int64_t i = 0; i < n; ++i) labels.push_back(static_cast<int32_t>(label ? *label : i / columns));
    } else if (label) {
        throw UsageError("this pipeline's generate section names no condition (generate.condition) to draw a class of");
    }
    Tensor all;
    generate_stream(n, seed, labels, [&](const Tensor& images, int64_t first) {
        if (!all.defined()) {
            Shape shape = images.shape();
            shape[0] = n;
            all = ctx_.empty(DType::f32, shape);
        }
        const int64_t per = images.numel() / images.dim(0);
        std::memcpy(all.data<float>() + first * per, images.data<float>(), static_cast<std::size_t>(images.numel()) * sizeof(float));
    });
    return all;
}

void ImageSampler::generate_stream(int64_t n, uint64_t seed, const std::vector<int32_t>& labels, const ImageSink& take) const {
    if (!can_generate()) throw ConfigError(SourcePlace{pipeline_.spec().file}, "the pipeline's generate section names no prior ('from')");
    if (is_conditional() && static_cast<int64_t>(labels.size()) != n)
        throw UsageError("this pipeline is conditional: give the class (" + spec().condition + ") of each of the " + std::to_string(n) +
                         " samples, not " + std::to_string(labels.size()));
    if (!is_conditional() && !labels.empty())
        throw UsageError("this pipeline's generate section names no condition (generate.condition) to draw a class of");
    for (int32_t l : labels)
        if (l < 0 || l >= classes())
            throw UsageError(spec().condition + " must be between 0 and " + std::to_string(classes() - 1) + ", got " + std::to_string(l));
    EvalScope scope(ctx_, seed);
    for (int64_t first = 0; first < n; first += stream_batch) {
        // Every block is drawn whole, a short one padded with samples of class 0 that are then
        // dropped: a matrix product of other rows may round differently, and sample i must not
        // depend on n.
        const int64_t count = std::min(stream_batch, n - first);
        TensorMap values;
        pipeline_.sample_noise(values, stream_batch);
        if (is_conditional()) {
            std::vector<int32_t> block(labels.begin() + first, labels.begin() + first + count);
            block.resize(static_cast<std::size_t>(stream_batch), 0);
            values[spec().condition] = condition(block);
        }
        Tensor images = draw(values, stream_batch, spec().image);
        take(count == stream_batch ? images : first_rows(images, count), first);
    }
}

Tensor ImageSampler::reconstruct(int64_t n, int columns) const {
    if (!can_reconstruct())
        throw ConfigError(SourcePlace{pipeline_.spec().file}, "the pipeline's generate section names no data field to reconstruct ('reconstruct')");
    const DataSplit& split = example_split();
    n = std::min<int64_t>(n, static_cast<int64_t>(split.indices.size()));
    EvalScope scope(ctx_, ctx_.device().seed());
    TensorMap values;
    pipeline_.read_examples(split, std::vector<int64_t>(split.indices.begin(), split.indices.begin() + n), values);
    pipeline_.sample_noise(values, n);
    Tensor original = values.at(spec().reconstruct);
    Tensor rebuilt = draw(values, n, spec().reconstruction);
    if (original.numel() != rebuilt.numel())
        throw ConfigError(SourcePlace{pipeline_.spec().file, 0, 0, "generate.reconstruct"}, "'" + spec().reconstruct + "' is " + describe(original) + " but '" +
                          spec().reconstruction + "' is " + describe(rebuilt) + "; they must hold as many values");
    Shape image_shape(rebuilt.shape().begin() + 1, rebuilt.shape().end());
    const int64_t per = numel(image_shape), rows = (n + columns - 1) / columns;
    Shape out_shape{2 * rows * columns};
    out_shape.insert(out_shape.end(), image_shape.begin(), image_shape.end());
    Tensor out = ctx_.zeros(DType::f32, out_shape);
    // Originals are drawn with the same activation-free range: they are data, already in it.
    for (int64_t i = 0; i < n; ++i) {
        int64_t row = i / columns, col = i % columns;
        float* o = out.data<float>();
        std::memcpy(o + ((2 * row) * columns + col) * per, original.data<float>() + i * per, per * sizeof(float));
        std::memcpy(o + ((2 * row + 1) * columns + col) * per, rebuilt.data<float>() + i * per, per * sizeof(float));
    }
    return out;
}

Tensor ImageSampler::interpolate(int64_t walks, int64_t steps, uint64_t seed) const {
    if (!can_generate()) throw ConfigError(SourcePlace{pipeline_.spec().file}, "the pipeline's generate section names no prior ('from')");
    if (steps < 2 || steps > max_walk_steps)
        throw UsageError("an interpolation takes 2 to " + std::to_string(max_walk_steps) + " steps, not " + std::to_string(steps));
    EvalScope scope(ctx_, seed);
    TensorMap ends;
    pipeline_.sample_noise(ends, 2 * walks);
    Tensor z = ends.at(spec().from);
    const int64_t d = z.numel() / (2 * walks);
    Shape shape = z.shape();
    shape[0] = walks * steps;
    Tensor path = ctx_.empty(DType::f32, shape);
    for (int64_t w = 0; w < walks; ++w)
        for (int64_t s = 0; s < steps; ++s) {
            const float t = static_cast<float>(s) / static_cast<float>(steps - 1);
            const float* a = z.data<float>() + (2 * w) * d;
            const float* b = a + d;
            float* p = path.data<float>() + (w * steps + s) * d;
            for (int64_t k = 0; k < d; ++k) p[k] = (1 - t) * a[k] + t * b[k];
        }
    TensorMap values;
    pipeline_.sample_noise(values, walks * steps);
    values[spec().from] = path;
    if (is_conditional()) {  // walk w keeps class w % classes
        std::vector<int32_t> labels;
        for (int64_t i = 0; i < walks * steps; ++i) labels.push_back(static_cast<int32_t>((i / steps) % classes()));
        values[spec().condition] = condition(labels);
    }
    return draw(values, walks * steps, spec().image);
}

const DataSplit& ImageSampler::example_split() const {
    return pipeline_.test_split().present() ? pipeline_.test_split()
           : pipeline_.validation_split().present() ? pipeline_.validation_split()
                                                    : pipeline_.train_split();
}

bool ImageSampler::can_measure_kl() const { return can_reconstruct() && !spec().latent.empty() && !spec().latent_logvar.empty(); }

std::vector<double> ImageSampler::latent_kl(int64_t n) const {
    if (!can_measure_kl())
        throw ConfigError(SourcePlace{pipeline_.spec().file}, "the KL of each latent dimension needs generate.latent, generate.latent_logvar and generate.reconstruct");
    const DataSplit& split = example_split();
    n = std::min<int64_t>(n, static_cast<int64_t>(split.indices.size()));
    const int64_t batch = std::max<int64_t>(1, pipeline_.spec().data.batch_size);
    EvalScope scope(ctx_, ctx_.device().seed());
    std::vector<double> sum;
    for (int64_t begin = 0; begin < n; begin += batch) {
        const int64_t count = std::min(batch, n - begin);
        TensorMap values;
        pipeline_.read_examples(split, std::vector<int64_t>(split.indices.begin() + begin, split.indices.begin() + begin + count), values);
        pipeline_.sample_noise(values, count);
        std::set<std::string> available;
        for (const auto& v : values) available.insert(v.first);
        pipeline_.run_nodes(values, pipeline_.dataflow().nodes_for({spec().latent, spec().latent_logvar}, available));
        const Tensor mu = values.at(spec().latent), logvar = values.at(spec().latent_logvar);
        if (mu.shape() != logvar.shape() || mu.shape().size() != 2 || mu.dim(0) != count || mu.dtype() != DType::f32)
            throw ConfigError(SourcePlace{pipeline_.spec().file, 0, 0, "generate.latent_logvar"},
                              "'" + spec().latent + "' is " + describe(mu) + " and '" + spec().latent_logvar + "' is " + describe(logvar) +
                                  "; both must be [N, D] f32");
        const int64_t d = mu.dim(1);
        sum.resize(static_cast<std::size_t>(d), 0.0);
        const float* m = mu.data<float>();
        const float* v = logvar.data<float>();
        for (int64_t i = 0; i < count * d; ++i)
            sum[static_cast<std::size_t>(i % d)] += 0.5 * (double(m[i]) * m[i] + std::exp(double(v[i])) - v[i] - 1.0);
    }
    for (double& s : sum) s /= static_cast<double>(std::max<int64_t>(1, n));
    return sum;
}

Tensor ImageSampler::traverse(const std::vector<int64_t>& dims, int64_t steps, double span) const {
    if (!can_generate()) throw ConfigError(SourcePlace{pipeline_.spec().file}, "the pipeline's generate section names no prior ('from')");
    if (steps < 2 || steps > max_walk_steps)
        throw UsageError("a traversal takes 2 to " + std::to_string(max_walk_steps) + " steps, not " + std::to_string(steps));
    const int64_t n = static_cast<int64_t>(dims.size()) * steps;
    EvalScope scope(ctx_, ctx_.device().seed());
    TensorMap values;
    pipeline_.sample_noise(values, n);
    Tensor z = values.at(spec().from);
    const int64_t d = z.numel() / n;
    float* p = z.data<float>();
    std::fill(p, p + z.numel(), 0.0f);
    for (std::size_t r = 0; r < dims.size(); ++r) {
        if (dims[r] < 0 || dims[r] >= d)
            throw UsageError("latent dimension " + std::to_string(dims[r]) + " is not one of the " + std::to_string(d) + " of '" + spec().from + "'");
        for (int64_t s = 0; s < steps; ++s)
            p[(static_cast<int64_t>(r) * steps + s) * d + dims[r]] =
                static_cast<float>(-span + 2.0 * span * static_cast<double>(s) / static_cast<double>(steps - 1));
    }
    if (is_conditional()) {  // row r keeps class r % classes
        std::vector<int32_t> labels;
        for (int64_t i = 0; i < n; ++i) labels.push_back(static_cast<int32_t>((i / steps) % classes()));
        values[spec().condition] = condition(labels);
    }
    return draw(values, n, spec().image);
}

Shape ImageSampler::example_shape() const {
    if (!can_reconstruct())
        throw ConfigError(SourcePlace{pipeline_.spec().file}, "the pipeline's generate section names no data field to reconstruct ('reconstruct')");
    for (const FieldInfo& f : pipeline_.fields())
        if (f.name == spec().reconstruct) return f.shape;
    throw ConfigError(SourcePlace{pipeline_.spec().file, 0, 0, "generate.reconstruct"},
                      "'" + spec().reconstruct + "' is not a field of the data");
}

TensorMap ImageSampler::given(const Tensor& data, const std::vector<int32_t>& labels) const {
    const Shape one = example_shape();
    const bool fits = data.defined() && data.dtype() == DType::f32 && data.rank() == static_cast<int>(one.size()) + 1 &&
                      data.dim(0) >= 1 && Shape(data.shape().begin() + 1, data.shape().end()) == one;
    if (!fits) {
        std::string wanted = "[N";
        for (int64_t d : one) wanted += ", " + std::to_string(d);
        throw ShapeError("'" + spec().reconstruct + "' examples are f32" + wanted + "] with N >= 1, not " + describe(data));
    }
    const int64_t n = data.dim(0);
    TensorMap values;
    values[spec().reconstruct] = data;
    if (is_conditional()) {
        if (static_cast<int64_t>(labels.size()) != n)
            throw UsageError("this pipeline is conditional: give the class (" + spec().condition + ") of each of the " +
                             std::to_string(n) + " examples, not " + std::to_string(labels.size()));
        for (int32_t l : labels)
            if (l < 0 || l >= classes())
                throw UsageError(spec().condition + " must be between 0 and " + std::to_string(classes() - 1) + ", got " + std::to_string(l));
        values[spec().condition] = condition(labels);
    } else if (!labels.empty()) {
        throw UsageError("this pipeline's generate section names no condition (generate.condition): give no labels");
    }
    pipeline_.sample_noise(values, n);
    return values;
}

Tensor ImageSampler::encode(const Tensor& data, uint64_t seed, const std::vector<int32_t>& labels) const {
    if (spec().latent.empty())
        throw ConfigError(SourcePlace{pipeline_.spec().file}, "the pipeline's generate section names no posterior mean ('latent') to encode to");
    EvalScope scope(ctx_, seed);
    TensorMap values = given(data, labels);
    std::set<std::string> available;
    for (const auto& v : values) available.insert(v.first);
    pipeline_.run_nodes(values, pipeline_.dataflow().nodes_for({spec().latent}, available));
    const Tensor mu = values.at(spec().latent);
    if (mu.rank() != 2 || mu.dim(0) != data.dim(0) || mu.dtype() != DType::f32)
        throw ConfigError(SourcePlace{pipeline_.spec().file, 0, 0, "generate.latent"},
                          "'" + spec().latent + "' is " + describe(mu) + ", not [N, D] f32");
    return mu;
}

Tensor ImageSampler::reconstruct_images(const Tensor& data, uint64_t seed, const std::vector<int32_t>& labels) const {
    EvalScope scope(ctx_, seed);
    TensorMap values = given(data, labels);
    const Tensor rebuilt = draw(values, data.dim(0), spec().reconstruction);
    if (rebuilt.numel() != data.numel())
        throw ConfigError(SourcePlace{pipeline_.spec().file, 0, 0, "generate.reconstruct"}, "'" + spec().reconstruct + "' is " + describe(data) + " but '" +
                          spec().reconstruction + "' is " + describe(rebuilt) + "; they must hold as many values");
    return rebuilt.reshaped(data.shape());
}

void ImageSampler::write(const std::filesystem::path& file, const Tensor& images, int columns) const {
    GridLayout layout;
    layout.columns = columns;
    layout.lo = static_cast<float>(spec().lo);
    layout.hi = static_cast<float>(spec().hi);
    write_png_grid(file, images, layout);
}

}  // namespace chimera
