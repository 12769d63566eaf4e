#include "generate/modal_sampler.hpp"

#include "core/host_error.hpp"
#include "io/atomic_file.hpp"
#include "io/png_grid.hpp"
#include "io/png_image.hpp"
#include "pipeline/yaml_source.hpp"
#include "ops/op_registry.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ostream>

namespace chimera {

namespace fs = std::filesystem;

namespace {

// Both element types are four bytes.
constexpr std::size_t element_bytes = sizeof(float);
static_assert(sizeof(int32_t) == element_bytes);

// [1, ...] tensors repeated to [n, ...].
Tensor repeat(Context& ctx, const Tensor& one, int64_t n) {
    Shape shape = one.shape();
    shape[0] = n;
    Tensor out = ctx.empty(one.dtype(), shape);
    const std::size_t bytes = static_cast<std::size_t>(one.numel()) * element_bytes;
    for (int64_t i = 0; i < n; ++i)
        std::memcpy(static_cast<char*>(out.raw()) + static_cast<std::size_t>(i) * bytes, one.raw(), bytes);
    return out;
}

// Example i of `batch` as [1, ...].
Tensor row(Context& ctx, const Tensor& batch, int64_t i) {
    Shape shape = batch.shape();
    shape[0] = 1;
    Tensor out = ctx.empty(batch.dtype(), shape);
    const std::size_t bytes = static_cast<std::size_t>(out.numel()) * element_bytes;
    std::memcpy(out.raw(), static_cast<const char*>(batch.raw()) + static_cast<std::size_t>(i) * bytes, bytes);
    return out;
}

bool all_zero(const Tensor& t) {
    const auto* p = static_cast<const char*>(t.raw());
    return std::all_of(p, p + static_cast<std::size_t>(t.numel()) * element_bytes, [](char c) { return c == 0; });
}

std::string extension_of(const std::string& media_type) {
    if (media_type.rfind("text/plain", 0) == 0) return ".txt";
    if (media_type == "audio/wav" || media_type == "audio/x-wav") return ".wav";
    if (media_type == "image/png") return ".png";
    return ".bin";
}

}  // namespace

ModalSampler::ModalSampler(const Pipeline& pipeline, Context& ctx, const OpRegistry& ops)
    : pipeline_(pipeline), ctx_(ctx), ops_(ops) {}

std::vector<std::string> ModalSampler::names() const {
    std::vector<std::string> out;
    for (const auto& m : spec().modalities) out.push_back(m.name);
    return out;
}

const ModalitySpec& ModalSampler::modality(const std::string& name) const {
    if (const ModalitySpec* m = spec().find_modality(name)) return *m;
    if (!multimodal())
        throw UsageError(pipeline_.spec().file + ": the pipeline's generate section lists no modalities (generate.modalities)");
    std::string list;
    for (const auto& n : names()) list += (list.empty() ? "" : ", ") + n;
    throw UsageError("no modality '" + name + "' in " + pipeline_.spec().file + " (modalities: " + list + ")");
}

const FieldInfo& ModalSampler::field(const ModalitySpec& m) const {
    for (const auto& f : pipeline_.fields())
        if (f.name == m.field) return f;
    throw ConfigError(SourcePlace{pipeline_.spec().file}, "generate.modalities." + m.name + ".field '" + m.field + "' is not a data field");
}

bool ModalSampler::is_image(const ModalitySpec& m) const {
    const FieldInfo& f = field(m);
    return f.dtype == DType::f32 && f.shape.size() == 3 && (f.shape[0] == 1 || f.shape[0] == 3);
}

TensorMap ModalSampler::keep_only(TensorMap examples, const std::vector<std::string>& kept) const {
    for (const ModalitySpec& m : spec().modalities) {
        if (std::find(kept.begin(), kept.end(), m.name) != kept.end()) continue;
        // Without a mask the model would take the zeros for data.
        if (m.mask.empty())
            throw UsageError(yaml_where(m.node, {pipeline_.spec().file, "generate.modalities." + m.name}) + ": modality '" + m.name +
                             "' has no mask, so it cannot be left out (name the data field saying it is present: mask)");
        for (const std::string& name : {m.field, m.mask}) {
            auto it = examples.find(name);
            if (!name.empty() && it != examples.end()) it->second = ctx_.zeros(it->second.dtype(), it->second.shape());
        }
    }
    return examples;
}

void ModalSampler::compute(TensorMap& values, const std::vector<std::string>& tensors, int64_t n) const {
    pipeline_.sample_noise(values, n);
    std::set<std::string> available;
    for (const auto& v : values) available.insert(v.first);
    pipeline_.run_nodes(values, pipeline_.dataflow().nodes_for(tensors, available));
}

Tensor ModalSampler::data_values(const ModalitySpec& m, const std::string& tensor, Tensor y) const {
    const FieldInfo& f = field(m);
    Shape want{y.rank() ? y.dim(0) : 0};
    want.insert(want.end(), f.shape.begin(), f.shape.end());
    if (y.dtype() != f.dtype || y.numel() != numel(want))
        yaml_fail(m.node, {pipeline_.spec().file, "generate.modalities." + m.name}, "'" + tensor + "' is " + describe(y) +
                          ", which cannot be values of field '" + f.name + "' (" + dtype_name(f.dtype) + " " + shape_text(f.shape) +
                          " per example); name the tensor that holds them");
    if (m.activation != "none") y = ops_.call(ctx_, m.activation, {y}).front();
    return y.shape() == want ? y : y.reshaped(want);
}

TensorMap ModalSampler::decode(TensorMap examples, const std::vector<std::string>& targets, bool mean) const {
    EvalMode eval(ctx_);
    const int64_t n = examples.begin()->second.dim(0);
    if (mean) {
        if (!can_decode_mean())
            throw UsageError(pipeline_.spec().file + ": decoding the posterior mean needs generate.latent and generate.sample");
        examples[spec().sample] = latent(examples);
    }
    std::vector<std::string> tensors;
    for (const auto& t : targets) tensors.push_back(modality(t).posterior);
    compute(examples, tensors, n);
    TensorMap out;
    for (const auto& t : targets) out[t] = data_values(modality(t), modality(t).posterior, examples.at(modality(t).posterior));
    return out;
}

TensorMap ModalSampler::sample_prior(int64_t n, const std::vector<std::string>& targets) const {
    EvalMode eval(ctx_);
    std::vector<std::string> tensors;
    for (const auto& t : targets) {
        const ModalitySpec& m = modality(t);
        if (m.prior.empty())
            throw UsageError("modality '" + t + "' of " + pipeline_.spec().file + " has no prior tensor (generate.modalities." + t + ".prior)");
        tensors.push_back(m.prior);
    }
    TensorMap values;
    compute(values, tensors, n);
    TensorMap out;
    for (const auto& t : targets) out[t] = data_values(modality(t), modality(t).prior, values.at(modality(t).prior));
    return out;
}

Tensor ModalSampler::latent(TensorMap examples) const {
    if (spec().latent.empty()) throw UsageError(pipeline_.spec().file + ": the generate section names no latent (generate.latent)");
    EvalMode eval(ctx_);
    compute(examples, {spec().latent}, examples.begin()->second.dim(0));
    Tensor z = examples.at(spec().latent);
    if (z.rank() != 2 || z.dtype() != DType::f32)
        throw ConfigError(SourcePlace{pipeline_.spec().file}, "generate.latent '" + spec().latent + "' is " + describe(z) + ", not a latent [N, D]");
    return z;
}

TensorMap ModalSampler::examples_from(const std::vector<std::pair<std::string, std::string>>& given, int64_t n) const {
    auto claimed = [&](const std::string& f) {
        return std::any_of(spec().modalities.begin(), spec().modalities.end(),
                           [&](const ModalitySpec& m) { return f == m.field || f == m.mask; });
    };
    TensorMap one;
    for (const auto& f : pipeline_.fields()) {
        Shape shape{1};
        shape.insert(shape.end(), f.shape.begin(), f.shape.end());
        one[f.name] = ctx_.zeros(f.dtype, shape);
    }
    for (const auto& [name, value] : given) {
        const ModalitySpec& m = modality(name);
        if (is_image(m)) {
            const FieldInfo& f = field(m);
            Tensor image = read_png_image(ctx_.device(), value, f.shape, static_cast<float>(spec().lo), static_cast<float>(spec().hi));
            one[m.field] = image.reshaped({1, f.shape[0], f.shape[1], f.shape[2]});
        } else {
            std::optional<TensorMap> made = pipeline_.encode_example(m.field, value);
            if (!made) throw UsageError("modality '" + name + "': the loader cannot make field '" + m.field + "' from a value");
            one[m.field] = made->at(m.field);
            // Fields of no modality that the loader filled beside this one (a caption's length) come along.
            for (const auto& [k, t] : *made)
                if (!claimed(k) && !all_zero(t)) one[k] = t;
        }
        if (!m.mask.empty()) one[m.mask].data<float>()[0] = 1.0f;
    }
    one = keep_only(one, [&] {
        std::vector<std::string> names;
        for (const auto& g : given) names.push_back(g.first);
        return names;
    }());
    TensorMap out;
    for (const auto& [k, t] : one) out[k] = repeat(ctx_, t, n);
    return out;
}

std::vector<fs::path> ModalSampler::write(const ModalitySpec& m, const Tensor& values, fs::path out, int columns,
                                          std::ostream* echo) const {
    if (!out.parent_path().empty()) {
        std::error_code ec;
        fs::create_directories(out.parent_path(), ec);
        if (ec) throw DataError(out.parent_path().string() + ": cannot create the directory: " + ec.message());
    }
    // A file named for another kind of content would mislead whoever opens it.
    auto check_extension = [&](const std::string& ext) {
        std::string have = out.extension().string();
        std::transform(have.begin(), have.end(), have.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (have.empty()) out += ext;
        else if (have != ext)
            throw UsageError(out.string() + ": " + m.name + " is written as " + ext + " files, not " + have);
    };
    if (is_image(m)) {
        check_extension(".png");
        GridLayout layout;
        layout.columns = columns;
        layout.lo = static_cast<float>(spec().lo);
        layout.hi = static_cast<float>(spec().hi);
        write_png_grid(out, values, layout);
        return {out};
    }
    const int64_t n = values.dim(0);
    std::vector<ComponentInstance::Decoded> files;
    for (int64_t i = 0; i < n; ++i) {
        ComponentInstance::Decoded d;
        if (!pipeline_.decode_value(m.field, row(ctx_, values, i), d))
            throw UsageError("modality '" + m.name + "': the loader cannot turn field '" + m.field + "' into a file");
        files.push_back(std::move(d));
    }
    const std::string ext = extension_of(files.front().media_type);
    check_extension(ext);
    if (ext == ".txt") {
        std::string text;
        for (int64_t i = 0; i < n; ++i) {
            text += files[static_cast<std::size_t>(i)].bytes;
            if (echo) *echo << fmt::format("{:>4}  {}", i + 1, files[static_cast<std::size_t>(i)].bytes);
        }
        write_file_atomically(out, text);
        return {out};
    }
    std::vector<fs::path> written;
    for (int64_t i = 0; i < n; ++i) {
        fs::path file = n == 1 ? out : out.parent_path() / fmt::format("{}-{:02}{}", out.stem().string(), i + 1, out.extension().string());
        write_file_atomically(file, files[static_cast<std::size_t>(i)].bytes);
        written.push_back(file);
    }
    return written;
}

}  // namespace chimera
