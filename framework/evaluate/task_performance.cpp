#include "evaluate/task_performance.hpp"

#include "core/host_error.hpp"
#include "generate/image_sampler.hpp"
#include "io/idx_file.hpp"

#include <algorithm>
#include <cmath>

namespace chimera {

namespace {

// The fields the idx loader gives; the classifier reads them.
const std::string kImage = "image", kLabel = "label";

uint8_t to_byte(float v, float lo, float hi) {
    const float unit = (v - lo) / (hi - lo);
    return static_cast<uint8_t>(std::lround(std::clamp(unit, 0.0f, 1.0f) * 255.0f));
}

IdxSet write_set(const std::filesystem::path& dir, const std::string& name, const std::vector<uint8_t>& pixels,
                 const std::vector<uint8_t>& labels, int64_t height, int64_t width) {
    IdxSet set{dir / (name + "-images-idx3-ubyte"), dir / (name + "-labels-idx1-ubyte"), static_cast<int64_t>(labels.size())};
    write_idx(set.images, pixels, {set.size, height, width});
    write_idx(set.labels, labels, {set.size});
    return set;
}

// The height and width of single-channel images [N, 1, H, W] or [N, H, W].
std::pair<int64_t, int64_t> plane(const Tensor& images, const std::string& file, const std::string& what) {
    const bool one = (images.rank() == 4 && images.dim(1) == 1) || images.rank() == 3;
    if (!one)
        throw ConfigError(SourcePlace{file}, what + " are " + describe(images) +
                                                 "; a classifier trained on IDX files reads single-channel images [N, 1, H, W]");
    return {images.dim(images.rank() - 2), images.dim(images.rank() - 1)};
}

}  // namespace

IdxSet write_generated_set(const Pipeline& pipeline, Context& ctx, const OpRegistry& ops, int64_t n, uint64_t seed,
                           const std::filesystem::path& dir, ProgressBar* bar) {
    const GenerateSpec& g = pipeline.spec().generate;
    ImageSampler sampler(pipeline, ctx, ops);
    if (!sampler.is_conditional())
        throw UsageError(pipeline.spec().file + " is not a conditional model (its generate section names no condition): "
                         "there are no labelled samples to train a classifier on");
    if (sampler.classes() > 256)
        throw UsageError(pipeline.spec().file + " draws " + std::to_string(sampler.classes()) +
                         " classes; an IDX label is one byte, so at most 256");
    std::vector<int32_t> classes;
    for (int64_t i = 0; i < n; ++i) classes.push_back(static_cast<int32_t>(i % sampler.classes()));
    std::vector<uint8_t> pixels, labels(classes.begin(), classes.end());
    int64_t height = 0, width = 0;
    sampler.generate_stream(n, seed, classes, [&](const Tensor& images, int64_t first) {
        std::tie(height, width) = plane(images, pipeline.spec().file, "the images of generate.image ('" + g.image + "')");
        const float* p = images.data<float>();
        for (int64_t i = 0; i < images.numel(); ++i) pixels.push_back(to_byte(p[i], static_cast<float>(g.lo), static_cast<float>(g.hi)));
        if (bar) bar->update(first / ImageSampler::stream_batch + 1, {});
    });
    if (bar) bar->finish({});
    return write_set(dir, "generated", pixels, labels, height, width);
}

IdxSet write_real_set(const Pipeline& pipeline, int64_t n, const std::filesystem::path& dir) {
    const DataSplit& split = pipeline.train_split();
    if (static_cast<int64_t>(split.indices.size()) < n)
        throw UsageError("--train-on-generated " + std::to_string(n) + ": the classifier's training data (" + pipeline.spec().file +
                         ") holds " + std::to_string(split.indices.size()) + " images to compare with, fewer than that");
    std::vector<uint8_t> pixels, labels;
    int64_t height = 0, width = 0;
    const int64_t batch = 1024;
    for (int64_t first = 0; first < n; first += batch) {
        const int64_t count = std::min(batch, n - first);
        TensorMap values;
        pipeline.read_examples(split, std::vector<int64_t>(split.indices.begin() + first, split.indices.begin() + first + count), values);
        const Tensor& images = values.at(kImage);
        std::tie(height, width) = plane(images, pipeline.spec().file, "the training images");
        const float* p = images.data<float>();
        for (int64_t i = 0; i < images.numel(); ++i) pixels.push_back(to_byte(p[i], 0.0f, 1.0f));
        const int32_t* l = values.at(kLabel).data<int32_t>();
        for (int64_t i = 0; i < count; ++i) labels.push_back(static_cast<uint8_t>(l[i]));
    }
    return write_set(dir, "real", pixels, labels, height, width);
}

YAML::Node classifier_config(const YAML::Node& root, const std::string& file, const IdxSet* set, int64_t epochs) {
    YAML::Node c = YAML::Clone(root);
    YAML::Node data = c["data"];
    if (!data || !data["loader"] || data["loader"].as<std::string>() != "idx")
        throw ConfigError(SourcePlace{file, 0, 0, "data.loader"}, "the classifier must read its images with the idx loader, as the images "
                                                                  "to train it on are written for it");
    if (!data["test"]) throw ConfigError(SourcePlace{file, 0, 0, "data.test"}, "the classifier needs a test split of real images to be tested on");
    data.remove("validation");
    data["options"]["scale"] = "unit";
    data["test"]["options"]["scale"] = "unit";  // should the test split have said otherwise
    if (set) {
        data["options"]["images"] = set->images.string();
        data["options"]["labels"] = set->labels.string();
    }
    c["train"].remove("early_stopping");
    c["train"].remove("steps");
    c["train"]["epochs"] = epochs;
    return c;
}

}  // namespace chimera
