// Task performance (seed §1.7.2), the data half: a conditional model's samples, balanced over
// its classes, and real images beside them, as labelled sets a classifier pipeline trains on
// (MNIST IDX files for the idx loader), and that pipeline changed to train on one. Both sets
// are bytes 0..255 read back in [0, 1], as the real test split is, so the classifier sees
// generated and real images, GAN or VAE, on one scale. Not the training: the CLI runs the
// trainer (a layer above this one) on what is made here.
#pragma once

#include "core/progress.hpp"
#include "pipeline/pipeline.hpp"

#include <filesystem>
#include <string>

namespace chimera {

// Labelled images as IDX files: images [N, H, W] and labels [N], unsigned bytes.
struct IdxSet {
    std::filesystem::path images, labels;
    int64_t size = 0;
};

// `n` samples from the prior of a conditional `pipeline`, sample i of class i % classes, drawn
// on random numbers seeded `seed`, written to `dir` as generated-{images-idx3,labels-idx1}-ubyte:
// pixels mapped from the drawing range (generate.range) to 0..255 and rounded, as a PNG shows
// them. Reports each block of ImageSampler::stream_batch to `bar` (may be null). Throws
// UsageError for a model without generate.condition, ConfigError for images of several
// channels, DataError when a file cannot be written.
IdxSet write_generated_set(const Pipeline& pipeline, Context& ctx, const OpRegistry& ops, int64_t n, uint64_t seed,
                           const std::filesystem::path& dir, ProgressBar* bar);

// The first `n` examples of `pipeline`'s training split (a classifier_config without a set, so
// read in [0, 1]) written to `dir` as real-{images-idx3,labels-idx1}-ubyte. Throws UsageError
// when the split holds fewer than `n`.
IdxSet write_real_set(const Pipeline& pipeline, int64_t n, const std::filesystem::path& dir);

// The classifier pipeline `root` (a resolved file) changed to train for `epochs` on `set`, or
// on its own training data when `set` is null: the idx loader reading pixels in [0, 1], no
// validation split and no early stopping (nothing is held out of the N images, and both runs
// train the same epochs), its test split as it was. Throws ConfigError (naming `file`) when
// the pipeline has no test split or does not read `image` and `label` with the idx loader.
YAML::Node classifier_config(const YAML::Node& root, const std::string& file, const IdxSet* set, int64_t epochs);

}  // namespace chimera
