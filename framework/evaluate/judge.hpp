// A classifier trained by another pipeline, judging one modality of this one: the node of that
// run's pipeline (by default the one named "classifier", else its only node) rebuilt here from
// its component and options, with the parameters of that run's last checkpoint. Its verdict on
// values [N, ...] is the argmax of its logits. Not the evaluation that asks it (coherence.hpp).
#pragma once

#include "pipeline/pipeline.hpp"

#include <filesystem>
#include <memory>
#include <string>
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
    // The class of each example of `values` [N, ...]; evaluation mode.
    std::vector<int32_t> classify(const Tensor& values) const;

private:
    Context& ctx_;
    std::string modality_, where_, port_in_, port_out_;
    std::vector<std::unique_ptr<chm_config>> config_;
    std::unique_ptr<ComponentInstance> instance_;
};

}  // namespace chimera
