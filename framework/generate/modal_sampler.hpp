// Cross-modal generation for models whose generate section lists modalities: keep some of an
// example's modalities and decode the others from the posterior, decode every modality from one
// prior draw (joint generation), make examples from what a person gives (a caption, a PNG or WAV
// file) and write what a model made as files (PNG grids, text lines, WAV files). Images are the
// host's to read and write; every other field goes through its loader's encode and decode.
// Not the model: which tensors are decoded from what is the pipeline's, through the section.
#pragma once

#include "pipeline/pipeline.hpp"

#include <filesystem>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

namespace chimera {

class ModalSampler {
public:
    ModalSampler(const Pipeline& pipeline, Context& ctx, const OpRegistry& ops);

    bool multimodal() const { return !spec().modalities.empty(); }
    // The modality called `name`; UsageError naming the ones there are.
    const ModalitySpec& modality(const std::string& name) const;
    std::vector<std::string> names() const;

    // `examples` (a batch of data fields) with only the modalities `kept`: every other one's
    // field zeroed and its mask 0, as the loaders give an example that lacks it.
    TensorMap keep_only(TensorMap examples, const std::vector<std::string>& kept) const;
    // What the model decodes of `targets` from the posterior of `examples`: per target its data
    // values [N, field shape] (activation applied). Runs in evaluation mode. With `mean`, the
    // decoders read the posterior mean (generate.latent) in place of its sample (generate.sample).
    TensorMap decode(TensorMap examples, const std::vector<std::string>& targets, bool mean = false) const;
    // Whether decode can use the mean: the generate section names both latent and sample.
    bool can_decode_mean() const { return !spec().latent.empty() && !spec().sample.empty(); }
    // `n` joint samples of `targets`, all decoded from one draw of the prior.
    TensorMap sample_prior(int64_t n, const std::vector<std::string>& targets) const;
    // generate.latent, the posterior mean, of `examples`: [N, D].
    Tensor latent(TensorMap examples) const;

    // One example made from a person's values (modality name, then a caption or a file path),
    // repeated `n` times; the modalities not given are absent.
    TensorMap examples_from(const std::vector<std::pair<std::string, std::string>>& given, int64_t n) const;

    // Writes `values` of modality `m` ([N, field shape]) to `out` (given no extension, the one
    // of what is written: .png, .txt, .wav): images as one PNG grid of `columns`, text as one
    // line per example (also echoed to `echo` when given), anything else as one file per
    // example (`out` itself for one, else out's stem and "-01", "-02"...). Returns the files
    // written. Throws DataError, or UsageError for a field nothing can write.
    std::vector<std::filesystem::path> write(const ModalitySpec& m, const Tensor& values, std::filesystem::path out,
                                             int columns, std::ostream* echo) const;

private:
    const GenerateSpec& spec() const { return pipeline_.spec().generate; }
    const FieldInfo& field(const ModalitySpec& m) const;
    bool is_image(const ModalitySpec& m) const;
    // Runs the nodes `tensors` need from `values` (noise drawn for a batch of n).
    void compute(TensorMap& values, const std::vector<std::string>& tensors, int64_t n) const;
    // `y` (a decoded tensor of `m`) as data values: activation, shaped [N, field shape].
    Tensor data_values(const ModalitySpec& m, const std::string& tensor, Tensor y) const;

    const Pipeline& pipeline_;
    Context& ctx_;
    const OpRegistry& ops_;
};

}  // namespace chimera
