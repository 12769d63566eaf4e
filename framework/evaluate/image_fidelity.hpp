// How close a model's images come to real ones, as papers report it: the Fréchet distance (FID)
// and precision/recall of N images drawn from its prior against N real images of a reference
// split, in the features of a classifier another run trained (a Judge's "features" output).
// Beside them, the same figures for N real training images (the floor: what finite samples
// cost) and for those training images blurred and noised (what visible damage costs).
// Not the maths (fid.hpp) nor the command line.
#pragma once

#include "evaluate/judge.hpp"
#include "generate/image_sampler.hpp"

#include <ostream>
#include <string>
#include <vector>

namespace chimera {

struct FidelityOptions {
    int64_t n = 10000;                 // images of each set
    int64_t batch = 256;               // images drawn and judged at a time
    uint64_t seed = 0;                 // the prior samples' and the noise's
    int k = 3;                         // neighbours of precision/recall's balls
    std::string port = "features";     // the judge's output the distances are measured in
    double blur_sigma = 1.0;           // Gaussian blur, in pixels
    double noise_sigma = 0.1;          // Gaussian noise, as a share of the drawing range
    std::ostream* progress = nullptr;  // where long work reports (nullptr: silent)
    bool terminal = false;
};

// One set of N images measured against the reference.
struct FidelityRow {
    std::string name;  // "generated", "training", "blurred", "noised"
    double fid = 0, precision = 0, recall = 0;
};

struct FidelityReport {
    std::string judge, field;     // the judge's RUN_DIR[:NODE]; the data field of the real images
    int64_t n = 0, features = 0;  // images per set, values per feature vector
    std::vector<FidelityRow> rows;
};

// The data field holding the real images: generate.reconstruct, else the pipeline's only f32
// field of two or more dimensions per example. Throws ConfigError when there is none or several.
std::string image_field(const Pipeline& pipeline);

// Loads the judge at `judge_where` ("RUN_DIR" or "RUN_DIR:NODE", see Judge), draws options.n
// images from `sampler`'s prior (a conditional model: equally many of each class, to within
// one) and reads the first options.n examples of `reference` and of the training split, every
// set through the judge. Generated images are reshaped to the real ones' field. Throws
// UsageError when a split holds fewer than options.n examples (or options.n < 2) or the
// reference is the training split; DataError when the judge is not a trained run, writes no
// options.port or was trained on values of another range than the reference's; ConfigError
// when the pipeline cannot generate.
FidelityReport evaluate_fidelity(const Pipeline& pipeline, Context& ctx, const ImageSampler& sampler,
                                 const PluginRegistry& registry, const std::string& judge_where,
                                 const std::filesystem::path& this_run, const DataSplit& reference,
                                 const FidelityOptions& options);

}  // namespace chimera
