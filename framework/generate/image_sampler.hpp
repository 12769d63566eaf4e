// Images from a pipeline, as its generate section says: samples from the prior, reconstructions
// of examples, and walks between two latent samples; written as PNG grids. Runs in evaluation
// mode on its own seeded random numbers, so drawing images never changes a run's training.
// Not what a model is: the pipeline's nodes decide that.
#pragma once

#include "io/png_grid.hpp"
#include "pipeline/pipeline.hpp"

#include <filesystem>
#include <functional>
#include <optional>

namespace chimera {

class ImageSampler {
public:
    ImageSampler(const Pipeline& pipeline, Context& ctx, const OpRegistry& ops);

    bool can_generate() const;
    bool can_reconstruct() const;

    bool is_conditional() const { return !spec().condition.empty(); }
    int64_t classes() const { return spec().classes; }

    // `n` samples from the prior: [n, C, H, W]. A conditional model draws them all of class
    // `label`; without one, it draws a row of `columns` per class instead (n is ignored).
    Tensor generate(int64_t n, uint64_t seed, std::optional<int64_t> label = std::nullopt, int columns = 8) const;
    // `n` samples from the prior made `stream_batch` at a time, each block handed to `take` before
    // the next is drawn, so memory stays bounded whatever n: images [k, C, H, W] in the drawing
    // range, and the index of the block's first sample. A conditional model draws sample i of
    // class labels[i] (n labels); any other takes none. Each block draws its random numbers after
    // those of the blocks before it, and every block is computed whole (a short last one padded),
    // so sample i depends on the seed, i and its label alone, bit for bit: the first images are
    // the same whatever n. generate() draws the same way. Throws UsageError for labels that do
    // not fit.
    static constexpr int64_t stream_batch = 256;
    using ImageSink = std::function<void(const Tensor& images, int64_t first)>;
    void generate_stream(int64_t n, uint64_t seed, const std::vector<int32_t>& labels, const ImageSink& take) const;
    // The first `n` examples of the test split (else validation, else training) and their
    // reconstructions, arranged so each row of `columns` originals is followed by their
    // reconstructions: [2n, C, H, W] (n rounded up to whole rows).
    Tensor reconstruct(int64_t n, int columns) const;
    // `walks` straight lines in latent space between pairs of prior samples, `steps` images each
    // (ends included, 2 to max_walk_steps): [walks * steps, C, H, W], one walk per grid row.
    static constexpr int64_t max_walk_steps = 64;
    Tensor interpolate(int64_t walks, int64_t steps, uint64_t seed) const;

    // Whether the generate section names the posterior's mean and log-variance (latent,
    // latent_logvar) and a data field to encode (reconstruct): what latent_kl needs.
    bool can_measure_kl() const;
    // KL(q(z|x) || N(0, I)) of each latent dimension, the mean over the first `n` examples of the
    // split reconstruct() reads: a dimension the model does not use has a KL near 0.
    std::vector<double> latent_kl(int64_t n) const;
    // A latent traversal: one row per dimension of `dims`, `steps` images each, that dimension
    // swept from -span to span while every other stays at the prior's mean (0):
    // [dims.size() * steps, C, H, W].
    Tensor traverse(const std::vector<int64_t>& dims, int64_t steps, double span) const;

    // Examples given by the caller rather than read from a split (the Python module's encode and
    // reconstruct): `data` holds N examples of the field generate.reconstruct names, f32 shaped
    // [N, ...example_shape()]; a conditional model also needs each one's class in `labels` (N of
    // them, 0 .. classes-1), any other model none. Computed in evaluation mode on random numbers
    // seeded `seed`, so equal arguments give equal results. Throws ShapeError for data of another
    // shape or dtype (naming the shape expected), UsageError for labels that do not fit,
    // ConfigError when the generate section lacks what is needed.
    //
    // The shape of one example of the reconstruct field, as the loaders declare it.
    Shape example_shape() const;
    // The posterior means (the tensor generate.latent names) of `data`: [N, D].
    Tensor encode(const Tensor& data, uint64_t seed, const std::vector<int32_t>& labels = {}) const;
    // The reconstructions (generate.reconstruction, after the activation) of `data`, in the
    // drawing range, shaped like `data`.
    Tensor reconstruct_images(const Tensor& data, uint64_t seed, const std::vector<int32_t>& labels = {}) const;

    // Writes images as a grid with the pipeline's value range. Throws DataError.
    void write(const std::filesystem::path& file, const Tensor& images, int columns) const;

private:
    // Runs the nodes that make `tensor` from `values`: images [n, C, H, W] in the drawing range.
    Tensor draw(TensorMap values, int64_t n, const std::string& tensor) const;
    // The values encode and reconstruct_images start from: `data` checked and `labels`, plus noise.
    TensorMap given(const Tensor& data, const std::vector<int32_t>& labels) const;
    // The first `rows` rows of `t`, copied.
    Tensor first_rows(const Tensor& t, int64_t rows) const;
    // The condition tensor of a conditional model: `labels` as int32 [n].
    Tensor condition(const std::vector<int32_t>& labels) const;
    const GenerateSpec& spec() const { return pipeline_.spec().generate; }
    // The split examples are read from: test, else validation, else training.
    const DataSplit& example_split() const;

    const Pipeline& pipeline_;
    Context& ctx_;
    const OpRegistry& ops_;
};

}  // namespace chimera
