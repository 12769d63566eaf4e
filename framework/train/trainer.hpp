// The training loop, read top to bottom like a recipe: for each step take a batch, then for
// each phase (one for an autoencoder, a discriminator and a generator phase for a GAN) run the
// nodes its losses need, check the losses are finite, backward, clip, update. Each epoch ends
// with validation, early stopping, a sample grid and a checkpoint; the run ends with the test
// split's metrics. Resumes from a checkpoint bit for bit. Not the pipeline (what is computed)
// nor the run directory and its files (run/, metrics_log.hpp, generate/).
#pragma once

#include "comm/communicator.hpp"
#include "pipeline/pipeline.hpp"
#include "run/checkpoint.hpp"
#include "run/run_record.hpp"
#include "core/metrics.hpp"
#include "train/grad_reducer.hpp"
#include "train/run_presenter.hpp"

#include <chrono>
#include <exception>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>

namespace chimera {

class BatchStream;
class MetricsLog;
class ImageSampler;

// How fast the training steps ran, for benchmarks (`chimera train` can write it). The steady
// state is every step after the first `warmup_steps` of this process; its figures include data
// loading, every phase's update, logging and the progress bar, but not the epoch ends
// (validation, samples, checkpoints) and what they allocate.
struct StepTiming {
    static constexpr int64_t warmup_steps = 2;
    int64_t steps = 0;                           // training steps this process ran
    std::chrono::system_clock::time_point first_step_done;  // wall clock at the end of the first
    double steady_seconds = 0;                   // in the steps after the warm-up
    double steady_cpu_seconds = 0;               // CPU time of every thread in them (what a loaded machine does not distort)
    int64_t steady_steps = 0;
    uint64_t steady_buffers_allocated = 0;      // by the steady-state steps (the pool's misses)
    uint64_t steady_primitives_created = 0;     // oneDNN primitives the cache had to create
    ReduceTiming steady_reduce;                 // summing gradients across ranks (none alone)

    // Training examples per second over the steady state; 0 before it has begun.
    double samples_per_second(int64_t batch_size) const {
        return steady_seconds > 0 ? static_cast<double>(steady_steps * batch_size) / steady_seconds : 0.0;
    }
};

struct TrainOptions {
    std::filesystem::path run_dir;
    bool resume = false;       // continue from run_dir's checkpoint; else run_dir must hold none
    std::string config_hash;   // of the resolved config (pipeline_hash)
    std::ostream* out = nullptr;
    bool terminal = false;     // redraw a progress bar rather than print plain lines
    // The ranks training together (null: this process alone). Rank 0 alone writes the run
    // directory and the console; every rank reads the checkpoint it resumes from.
    Communicator* comm = nullptr;
    // The exit code an error means, so a rank can tell the others how it failed.
    std::function<int(const std::exception&)> exit_code_of;
    // Reports an error this rank met alone and stops every rank at once (never returns): for a
    // failure while gradient sums are in flight.
    std::function<void(const std::exception&)> fail_now;
    // What run.json says of how the run was started (the command line, pipeline file, version,
    // threads, ranks); the trainer adds the rest as training goes.
    RunRecord record;
    // Write RUN/report.html at each epoch's end and when training ends (rank 0).
    bool report = true;
};

struct TrainResult {
    int64_t steps = 0;
    int64_t epochs = 0;
    bool stopped_early = false;
    Metrics test;  // empty without a test split
    StepTiming timing;
};

class Trainer {
public:
    // Throws UsageError (a run is there and `resume` is off), DataError or ConfigError (the
    // checkpoint is not this pipeline's) when the run directory cannot be used.
    Trainer(Pipeline& pipeline, Context& ctx, const OpRegistry& ops, TrainOptions options);
    ~Trainer();
    Trainer(const Trainer&) = delete;
    Trainer& operator=(const Trainer&) = delete;

    // Trains to the end (with several ranks, first copying rank 0's parameters to every rank).
    // Throws DivergedError when a loss is not finite (the last checkpoint
    // is kept as it was).
    TrainResult run();

private:
    struct Phase {
        const PhaseSpec* spec;
        std::vector<std::size_t> losses, optimizers, nodes;
        std::set<std::size_t> recorded;  // nodes whose ops are taped: gradients flow through them
        std::vector<Tensor> frozen;      // trainable parameters this phase does not update
        std::unique_ptr<GradReducer> reducer;  // with several ranks: sums the updated ones' gradients
    };
    void plan_phases();
    void resume();
    bool budget_left() const;
    bool train_epoch();
    Metrics train_step(const TensorMap& batch);
    double loss_weight(std::size_t k) const;
    void run_phase(const Phase& phase, const TensorMap& batch, Metrics& metrics);
    Metrics agree(const Metrics& mine, const std::vector<bool>& summed, const std::exception_ptr& failure, int code,
                  const std::string& message);
    bool sums_over_rows(std::size_t k) const;
    void synchronise_start();
    void share_from_rank0(const std::vector<Tensor>& tensors);
    ReduceTiming reduce_total() const;
    bool writes() const { return comm_.rank() == 0; }
    bool end_epoch(const Metrics& train_means);
    bool early_stopping(const Metrics& validation);
    void write_samples();
    NamedTensors checkpoint_tensors() const;
    void save();
    void finish(TrainResult& result);
    void time_step();
    Metrics with_schedules(Metrics metrics) const;
    void write_record(RunRecord::Status status, const std::string& message = "");

    Pipeline& pipeline_;
    Context& ctx_;
    const OpRegistry& ops_;
    TrainOptions options_;
    LocalCommunicator alone_;
    Communicator& comm_;
    const PipelineSpec& spec_;
    RunDirectory run_;
    std::vector<Phase> phases_;
    std::vector<std::vector<Tensor>> groups_;  // each optimizer's parameters
    std::unique_ptr<BatchStream> batches_;
    std::unique_ptr<MetricsLog> log_;
    std::unique_ptr<ImageSampler> sampler_;
    RunState state_;
    int64_t total_steps_ = 0;
    bool stopped_early_ = false;
    StepTiming timing_;
    std::chrono::steady_clock::time_point last_step_end_;  // or the epoch's start
    double last_step_end_cpu_ = 0;                         // the process's CPU seconds then
    RuntimeCounters last_counters_;                        // at the same moment
    ReduceTiming reduce_at_warmup_;
    std::unique_ptr<RunPresenter> presenter_;  // rank 0's: run.json, the report, its figures
};

// A short hash of a resolved pipeline, leaving out train.epochs and train.steps (which a resumed
// run may extend).
std::string pipeline_hash(const YAML::Node& root);

}  // namespace chimera
