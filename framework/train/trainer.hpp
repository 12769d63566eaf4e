// The training loop, read top to bottom like a recipe: for each step take a batch, then for
// each phase (one for an autoencoder, a discriminator and a generator phase for a GAN) run the
// nodes its losses need, check the losses are finite, backward, clip, update. Each epoch ends
// with validation, early stopping, a sample grid and a checkpoint; the run ends with the test
// split's metrics. Resumes from a checkpoint bit for bit. Not the pipeline (what is computed)
// nor the files' formats (checkpoint.hpp, metrics_log.hpp, png_grid.hpp).
#pragma once

#include "pipeline/pipeline.hpp"
#include "train/checkpoint.hpp"
#include "train/progress.hpp"

#include <filesystem>
#include <iosfwd>
#include <memory>

namespace chimera {

class BatchStream;
class MetricsLog;
class ImageSampler;

struct TrainOptions {
    std::filesystem::path run_dir;
    bool resume = false;       // continue from run_dir's checkpoint
    std::string config_hash;   // of the resolved config (pipeline_hash)
    std::ostream* out = nullptr;
    bool terminal = false;     // redraw a progress bar rather than print plain lines
};

struct TrainResult {
    int64_t steps = 0;
    int64_t epochs = 0;
    bool stopped_early = false;
    Metrics test;  // empty without a test split
};

class Trainer {
public:
    // Throws UsageError / DataError / ConfigError when the run directory cannot be used.
    Trainer(Pipeline& pipeline, Context& ctx, const OpRegistry& ops, TrainOptions options);
    ~Trainer();
    Trainer(const Trainer&) = delete;
    Trainer& operator=(const Trainer&) = delete;

    // Trains to the end. Throws DivergedError when a loss is not finite (the last checkpoint
    // is kept as it was).
    TrainResult run();

private:
    struct Phase {
        const PhaseSpec* spec;
        std::vector<std::size_t> losses, optimizers, nodes;
        std::set<std::size_t> recorded;  // nodes whose ops are taped: gradients flow through them
    };
    void plan_phases();
    void resume();
    bool budget_left() const;
    bool train_epoch();
    Metrics train_step(const TensorMap& batch);
    double loss_weight(std::size_t k) const;
    void run_phase(const Phase& phase, const TensorMap& batch, Metrics& metrics);
    bool end_epoch(const Metrics& train_means);
    bool early_stopping(const Metrics& validation);
    void write_samples();
    NamedTensorList model_tensors() const;
    NamedTensorList checkpoint_tensors() const;
    void save();
    void finish(TrainResult& result);

    Pipeline& pipeline_;
    Context& ctx_;
    const OpRegistry& ops_;
    TrainOptions options_;
    const PipelineSpec& spec_;
    std::vector<Phase> phases_;
    std::vector<std::vector<Tensor>> groups_;  // each optimizer's parameters
    std::unique_ptr<BatchStream> batches_;
    std::unique_ptr<MetricsLog> log_;
    std::unique_ptr<ImageSampler> sampler_;
    RunState state_;
    int64_t total_steps_ = 0;
    bool stopped_early_ = false;
};

// A short hash of a resolved pipeline, leaving out train.epochs and train.steps (which a resumed
// run may extend).
std::string pipeline_hash(const YAML::Node& root);

}  // namespace chimera
