// A classifier trained by another pipeline, judging one modality of this one: the node of that
// run's pipeline (by default the one named "classifier", else its only node) rebuilt here from
// its component and options, with the parameters of that run's last checkpoint. Its verdict on
// values [N, ...] is the argmax of its logits. Not the evaluation that asks it (coherence.hpp).
#pragma once

#include "pipeline/pipeline.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace chimera {

class Judge {
public:
    // `where` is "RUN_DIR" or "RUN_DIR:NODE"; `sample` ([n, ...] values of the modality) builds
    // parameters a component sizes from its first input. `this_run` (may be empty) is the run
    // judged: files both runs keep of their data (a vocabulary) must agree. Throws DataError or
    // ConfigError naming the run and what is wrong.
    Judge(const PluginRegistry& registry, Context& ctx, const std::string& modality, const std::string& where,
          const Tensor& sample, const std::filesystem::path& this_run);
    ~Judge();
    Judge(const Judge&) = delete;
    Judge& operator=(const Judge&) = delete;

    const std::string& modality() const { return modality_; }
    const std::string& where() const { return where_; }
    // The tensor the judge's node reads in its own pipeline (a data field, e.g. "image").
    const std::string& input_field() const { return field_; }
    // The class of each example of `values` [N, ...]; evaluation mode.
    std::vector<int32_t> classify(const Tensor& values) const;
    // Another output of the judge's component on `values` (evaluation mode), e.g. the
    // penultimate layer's "features" of a conv classifier, checked to be f32 [N, F]. Throws
    // DataError naming the outputs the component does write when it writes no `port`.
    Tensor output(const Tensor& values, const std::string& port) const;
    // The smallest and largest value among the first `n` examples of the data the judge trained
    // on (its run's training loader, the field its node reads): the scale it expects what it
    // judges on. nullopt when its node reads a tensor that is not a field of that data.
    std::optional<std::pair<double, double>> training_range(int64_t n) const;

private:
    NamedTensors run(const Tensor& values) const;

    const PluginRegistry& registry_;
    Context& ctx_;
    std::string modality_, where_, port_in_, port_out_;
    std::filesystem::path run_config_;
    std::string field_;  // the tensor its node reads in its own pipeline
    std::vector<std::unique_ptr<chm_config>> config_;
    std::unique_ptr<ComponentInstance> instance_;
};

}  // namespace chimera
