// A pipeline file read into plain structs: its data, noise sources, nodes, losses, optimizers,
// phases, training and generation settings. Each item keeps its YAML node so later checks can
// name file:line:column. Checks the file's own structure (keys, types, ranges, names, references
// between sections); not plugin options nor the dataflow, which need the plugins (pipeline.hpp).
#pragma once

#include "tensor/shape.hpp"
#include "pipeline/schedule_spec.hpp"
#include "run/foreign_weights.hpp"

#include <yaml-cpp/yaml.h>

#include <string>
#include <utility>
#include <vector>

namespace chimera {

// port -> tensor, in the order written.
using PortMap = std::vector<std::pair<std::string, std::string>>;

struct SplitSpec {
    bool present = false;
    YAML::Node options;   // loader options for this split, laid over data.options
    double holdout = 0;   // validation only: examples taken from the end of the training data
                          // (a count when >= 1, a fraction when < 1)
    YAML::Node node;
};

struct DataSpec {
    std::string loader;
    YAML::Node options;  // shared by every split
    SplitSpec train, validation, test;
    int64_t batch_size = 64;
    bool shuffle = true;
    YAML::Node node;
};

struct NoiseSpec {
    std::string name;
    std::string distribution = "normal";  // normal: N(0, 1); uniform: U[-1, 1)
    Shape shape;                          // of one example
    YAML::Node node;
};

// Parameters a node starts from instead of its initialisers: those of node `node` in the last
// checkpoint of run directory `run` (a classifier trained by another pipeline, say), or the
// tensors of a safetensors file from elsewhere (a PyTorch state_dict) by a name map.
struct InitFrom {
    std::string run;   // "" : not from a run
    std::string node;  // defaults to the node's own name
    ForeignWeights safetensors;  // file "": not from a file
    bool any() const { return !run.empty() || !safetensors.file.empty(); }
};

struct NodeSpec {
    std::string name;
    InitFrom init_from;
    std::string component;  // "encoder/mlp" or "mlp"; empty for a node that shares another's
    std::string share;      // the node whose instance (and parameters) this one reuses
    PortMap in, out;
    YAML::Node options;
    YAML::Node node;
};

struct LossSpec {
    std::string name;
    std::string component;
    PortMap in;
    std::vector<std::string> params;  // nodes whose parameters are inputs (weight penalties)
    double weight = 1.0;
    LossWarmup warmup;
    bool evaluate_only = false;  // a metric: computed in validation and test, never trained on
    YAML::Node options;
    YAML::Node node;
};

struct OptimizerSpec {
    std::string name;
    std::string component;
    std::vector<std::string> nodes;
    YAML::Node options;
    double clip_norm = 0;  // 0: no clipping
    LrSchedule schedule;
    YAML::Node node;
};

struct PhaseSpec {
    std::string name;
    std::vector<std::string> losses, optimizers;
    int64_t updates = 1;  // optimizer updates per training step
    YAML::Node node;
};

struct EarlyStoppingSpec {
    bool enabled = false;
    std::string monitor = "validation/total";  // split/metric
    std::string mode = "min";
    int64_t patience = 5;
    double min_delta = 0;
    bool restore_best = true;
    YAML::Node node;
};

struct TrainSpec {
    int64_t epochs = 1;
    int64_t steps = 0;  // a step budget; 0: the epochs decide
    int64_t seed = 0;
    int64_t log_every = 50;        // steps between metric lines
    int64_t checkpoint_every = 0;  // steps between checkpoints within an epoch; 0: epoch ends only
    int64_t samples = 64;          // images in each epoch's sample grid; 0: none
    EarlyStoppingSpec early_stopping;
    YAML::Node node;
};

// One modality of a multimodal model, as generation and evaluation see it: where the data
// holds it, which tensor the model decodes from the posterior (what it makes of the modalities
// given) and from the prior, and the activation that turns those into data values.
struct ModalitySpec {
    std::string name;                 // "image", "text": how commands name it
    std::string field;                // its data field (default: the name)
    std::string mask;                 // the field saying it is present (1) or absent (0); "" : always present
    std::string posterior;            // decoded from the posterior of the modalities present
    std::string prior;                // decoded from generate.from ("" : none)
    std::string activation = "none";  // none, sigmoid or tanh
    YAML::Node node;
};

struct GenerateSpec {
    bool present = false;
    std::string from;         // the noise tensor drawn from the prior
    std::string image;        // the tensor drawn as images
    std::string reconstruct;  // the data field autoencoders reconstruct from ("" : none)
    std::string reconstruction;  // the tensor decoded from it (`image` when there is no prior)
    std::string condition;    // a data field (class label) conditional models generate from ("" : none)
    int64_t classes = 10;     // its values are 0 .. classes-1
    std::string activation = "none";  // applied to `image` before drawing: none, sigmoid, tanh
    double lo = 0, hi = 1;            // the value range drawn black..white
    std::vector<ModalitySpec> modalities;  // multimodal models: cross-modal generation, coherence
    std::string latent;               // the posterior mean, for linear probes ("" : none)
    std::string sample;               // the posterior sample decoders read; with `latent`, evaluation
                                      // can decode the mean in its place ("" : it cannot)
    std::string latent_logvar;        // the posterior's log-variance: with `latent`, the KL of each
                                      // latent dimension (which are active) ("" : none)
    YAML::Node node;

    const ModalitySpec* find_modality(const std::string& name) const;
};

// What `chimera evaluate` judges a multimodal model with: per modality, a classifier trained by
// another pipeline ("RUN_DIR" or "RUN_DIR:NODE"), which the command line may replace.
struct EvaluateSpec {
    std::vector<std::pair<std::string, std::string>> judges;  // modality -> run[:node]
    YAML::Node node;
};

struct PipelineSpec {
    std::string file;
    YAML::Node root;
    DataSpec data;
    std::vector<NoiseSpec> noise;
    std::vector<NodeSpec> nodes;
    std::vector<LossSpec> losses;
    std::vector<OptimizerSpec> optimizers;
    std::vector<PhaseSpec> phases;
    TrainSpec train;
    GenerateSpec generate;
    EvaluateSpec evaluate;

    const NodeSpec* find_node(const std::string& name) const;
    const LossSpec* find_loss(const std::string& name) const;
    const OptimizerSpec* find_optimizer(const std::string& name) const;
    // The index of a name the checks have found in its section; std::out_of_range otherwise.
    std::size_t node_index(const std::string& name) const;
    std::size_t loss_index(const std::string& name) const;
    std::size_t optimizer_index(const std::string& name) const;
};

// Reads `file`, applies overrides ("train.epochs=3") and expands ${VAR:-default} in
// strings. Throws ConfigError, OverrideError or DataError.
YAML::Node read_pipeline_yaml(const std::string& file, const std::vector<std::string>& overrides);

// Checks and reads the whole structure. Throws ConfigError naming file:line:col and the path.
PipelineSpec parse_pipeline(const YAML::Node& root, const std::string& file);

}  // namespace chimera
