// A pipeline made live: its spec checked against the loaded plugins, every component
// instantiated (loaders per split, nodes, losses, optimizers), the dataflow checked, and one dry
// pass at batch 2 that finds shape mismatches and builds lazily-sized parameters. Then it
// computes on request: noise, the nodes a set of tensors needs, the losses. Not the training
// loop (train/trainer.hpp) nor files (checkpoints, grids).
#pragma once

#include "autograd/modes.hpp"
#include "pipeline/dataflow.hpp"
#include "pipeline/pipeline_spec.hpp"
#include "plugin/component_instance.hpp"
#include "plugin/plugin_registry.hpp"
#include "run/plugin_record.hpp"

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace chimera {

class OpRegistry;

using TensorMap = std::map<std::string, Tensor>;

// The examples of one split: a loader instance and the indices it covers.
struct DataSplit {
    const ComponentInstance* loader = nullptr;
    std::vector<int64_t> indices;
    bool present() const { return loader != nullptr; }
};

class Pipeline {
public:
    // Instantiates everything and runs the dry pass (which leaves the random state as it was).
    // With `data_dir`, the loaders first restore what a run kept of its data there (restore_data).
    // Throws ConfigError naming file:line:col for anything wrong with the file, PluginError when
    // a plugin fails for another reason.
    Pipeline(PipelineSpec spec, const PluginRegistry& registry, Context& ctx, const OpRegistry& ops,
             const std::filesystem::path& data_dir = {});
    ~Pipeline();
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    const PipelineSpec& spec() const { return spec_; }
    const Dataflow& dataflow() const { return *dataflow_; }
    const DataSplit& train_split() const { return train_; }
    const DataSplit& validation_split() const { return validation_; }
    const DataSplit& test_split() const { return test_; }
    const std::vector<FieldInfo>& fields() const { return fields_; }

    // Reads examples `indices` of `split` into `values`, one tensor per field.
    void read_examples(const DataSplit& split, const std::vector<int64_t>& indices, TensorMap& values) const;
    // What the loaders derived from their data (a vocabulary) as files in a run's `directory`:
    // the training loader writes them when a run starts, every split's reads them back when a
    // run is reopened (a directory that is not there: a run from before loaders kept any).
    void save_data(const std::filesystem::path& directory) const;
    void restore_data(const std::filesystem::path& directory) const;
    // One example made from a person's `value` for field `field` by the training loader, as
    // [1, shape] tensors of every field (zeros where the value says nothing); nullopt when the
    // loader cannot make that field from a value.
    std::optional<TensorMap> encode_example(const std::string& field, const std::string& value) const;
    // One example's value of `field` ([1, shape]) as a file, by the training loader; false when
    // it cannot decode that field.
    bool decode_value(const std::string& field, const Tensor& value, ComponentInstance::Decoded& out) const;
    // Adds every noise tensor for a batch of `n` to `values`.
    void sample_noise(TensorMap& values, int64_t n) const;
    // Runs `nodes` (indices into spec().nodes, in order) on `values`, adding their outputs. Nodes
    // not in `recorded` run with gradient recording off; nullptr records every node.
    void run_nodes(TensorMap& values, const std::vector<std::size_t>& nodes,
                   const std::set<std::size_t>* recorded = nullptr) const;
    // Computes loss `index` (into spec().losses) from `values`: its one-element "loss", and any
    // other one-element outputs (e.g. "accuracy") as metrics named "<loss>/<output>".
    struct LossResult {
        Tensor loss;
        std::vector<std::pair<std::string, double>> extras;
    };
    LossResult run_loss(const TensorMap& values, std::size_t index) const;
    // The nodes to run for the losses `indices`, given the sources.
    std::vector<std::size_t> nodes_for_losses(const std::vector<std::size_t>& indices) const;

    // Parameters and buffers a node's instance made, by full name.
    NamedTensors node_parameters(std::size_t node) const;
    const ComponentInstance& optimizer(std::size_t index) const { return *optimizers_[index]; }
    // Hands optimizer `index` the state read from `file` (a checkpoint). A state the optimizer
    // refuses (a tensor missing, renamed or misshapen) is bad data in that file: DataError naming
    // it, the optimizer and the tensor. Other failures stay PluginError.
    void restore_optimizer(std::size_t index, const NamedTensors& state, const std::filesystem::path& file) const;
    const ComponentInstance& node_instance(std::size_t node) const;
    // Loads node `node`'s parameters from its init_from source (another run's checkpoint, or a
    // safetensors file by its map). Throws DataError naming the pipeline's place and the source.
    // Done when the pipeline is built, but for a file when a run is reopened (the reopener loads
    // it for a node its checkpoint lacks).
    void load_initial_parameters(std::size_t node);
    std::vector<std::size_t> loss_indices(const std::vector<std::string>& names) const;
    // The optimizers' parameter groups are attached after the dry pass has made every parameter.
    std::vector<std::size_t> optimizer_indices(const std::vector<std::string>& names) const;
    // "name version (library file)" of every plugin component in use, for run state.
    std::vector<std::string> components_used() const;
    // The libraries those components came from, each with its file's hash and what the pipeline
    // used of it, for the run's plugin record. Throws DataError when a file cannot be read.
    std::vector<UsedLibrary> libraries_used() const;

private:
    const ComponentInfo& resolve(const std::string& component, const std::vector<chm_kind>& kinds,
                                 const YAML::Node& node, const std::string& path) const;
    // `written` is where the options sit in the file, when `options` was made in code.
    std::unique_ptr<ComponentInstance> instantiate(const ComponentInfo& info, const YAML::Node& options,
                                                   const std::string& path, const std::string& name,
                                                   const YAML::Node& written = YAML::Node());
    void make_data();
    void make_components();
    // Every node's and loss's in: and out: keys against its component's ports (ABI 1.4).
    void check_ports() const;
    void for_each_component(const std::function<void(const ComponentInfo&)>& visit) const;
    // generate.modalities' masks must be one float32 per example.
    void check_modality_masks() const;
    void dry_run(int64_t batch);
    // values[tensor], or a ConfigError naming who needed it.
    Tensor value_of(const TensorMap& values, const std::string& tensor, const YAML::Node& node, const std::string& path) const;

    PipelineSpec spec_;
    const PluginRegistry& registry_;
    Context& ctx_;
    const OpRegistry& ops_;
    std::vector<std::unique_ptr<chm_config>> configs_;
    std::vector<std::unique_ptr<ComponentInstance>> loaders_;
    DataSplit train_, validation_, test_;
    std::vector<FieldInfo> fields_;
    std::unique_ptr<Dataflow> dataflow_;
    std::vector<std::unique_ptr<ComponentInstance>> nodes_;  // by node index; null for sharing nodes
    std::vector<std::unique_ptr<ComponentInstance>> losses_;
    std::vector<std::unique_ptr<ComponentInstance>> optimizers_;
};

}  // namespace chimera
