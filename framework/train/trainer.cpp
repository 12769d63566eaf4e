#include "train/trainer.hpp"

#include "autograd/graph.hpp"
#include "core/host_error.hpp"
#include "core/progress.hpp"
#include "evaluate/evaluator.hpp"
#include "generate/image_sampler.hpp"
#include "pipeline/batch_stream.hpp"
#include "run/model_state.hpp"
#include "train/grad_clip.hpp"
#include "train/metrics_log.hpp"
#include "train/schedules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <ostream>

namespace chimera {

namespace fs = std::filesystem;

namespace {

// CPU seconds of all of this process's threads so far.
double process_cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

constexpr int kSampleColumns = 8;

// A test hook (README, "Data-parallel training"): CHIMERA_TEST_FAIL=RANK:STEP:KIND makes rank
// RANK fail at step STEP as KIND says: nan (a loss reads as NaN), plugin (a plugin error) or kill
// (the process kills itself).
bool test_failure_here(const char* kind, int64_t step, int rank) {
    static const char* spec = std::getenv("CHIMERA_TEST_FAIL");
    if (!spec) return false;
    long r = -1, at = -1;
    char what[16] = {};
    return std::sscanf(spec, "%ld:%ld:%15s", &r, &at, what) == 3 && r == rank && at == step && std::strcmp(what, kind) == 0;
}
// The most steps a run may take: checkpoints refuse larger counts (run/checkpoint.hpp), and
// every count the loop adds to stays far from overflow below it.
constexpr int64_t kMaxSteps = int64_t{1} << 53;

}  // namespace

std::string pipeline_hash(const YAML::Node& root) {
    YAML::Node copy = YAML::Clone(root);
    if (copy["train"] && copy["train"].IsMap()) {
        copy["train"].remove("epochs");
        copy["train"].remove("steps");
    }
    YAML::Emitter out;
    out << copy;
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (unsigned char c : std::string(out.c_str())) h = (h ^ c) * 1099511628211ull;
    return fmt::format("{:016x}", h);
}

Trainer::Trainer(Pipeline& pipeline, Context& ctx, const OpRegistry& ops, TrainOptions options)
    : pipeline_(pipeline), ctx_(ctx), ops_(ops), options_(std::move(options)), comm_(options_.comm ? *options_.comm : alone_),
      spec_(pipeline.spec()), run_(options_.run_dir) {
    if (spec_.data.batch_size < comm_.size()) {
        mark_failure_shared();
        yaml_fail(spec_.data.node["batch_size"], {spec_.file, "data.batch_size"},
                  fmt::format("the batch of {} is shared by {} ranks: every rank needs at least one example of each batch "
                              "(data.batch_size is the global batch; raise it or start fewer ranks)",
                              spec_.data.batch_size, comm_.size()));
    }
    plan_phases();
    batches_ = std::make_unique<BatchStream>(ctx_, *pipeline_.train_split().loader, pipeline_.train_split().indices,
                                             BatchOptions{spec_.data.batch_size, spec_.data.shuffle, true, comm_.rank(), comm_.size()});
    const int64_t per_epoch = batches_->batches_per_epoch();
    if (spec_.train.steps > kMaxSteps || (spec_.train.steps == 0 && spec_.train.epochs > kMaxSteps / std::max<int64_t>(1, per_epoch)))
        yaml_fail(spec_.train.node[spec_.train.steps > 0 ? "steps" : "epochs"], {spec_.file, spec_.train.steps > 0 ? "train.steps" : "train.epochs"},
                  fmt::format("a run takes at most {} steps (here {} per epoch)", kMaxSteps, per_epoch));
    total_steps_ = spec_.train.steps > 0 ? spec_.train.steps : spec_.train.epochs * per_epoch;
    sampler_ = std::make_unique<ImageSampler>(pipeline_, ctx_, ops_);
    state_.seed = ctx_.device().seed();
    state_.optimizer_steps.assign(spec_.optimizers.size(), 0);
    state_.config_hash = options_.config_hash;
    state_.components = pipeline_.components_used();
    if (writes()) {
        run_.create();
        run_.remove_stale_temporaries();  // of a writer killed here before
    }
    if (options_.resume) resume();
    else if (writes() && run_.has_checkpoint()) throw UsageError(run_.path().string() + " already holds a run");
    // A resumed run continues its log (cut back to the checkpoint); a new one starts it empty.
    if (writes()) log_ = std::make_unique<MetricsLog>(run_.metrics(), options_.resume ? MetricsLog::append : MetricsLog::restart);
    RunRecord r = options_.record;
    if (r.started.empty()) r.started = utc_now();
    r.seed = state_.seed;
    r.components = state_.components;
    r.ranks = comm_.size();
    r.epochs_planned = spec_.train.steps > 0 ? (spec_.train.steps + per_epoch - 1) / per_epoch : spec_.train.epochs;
    if (options_.resume) {
        r.resumed_at = state_.step;
        if (writes()) continue_run_record(run_, r);
    }
    if (writes()) presenter_ = std::make_unique<RunPresenter>(run_, r, options_.report, *options_.out);
}

// Every rank must train the same pipeline from the same state: the pipelines and the resumed
// steps are compared, and rank 0's parameters and buffers are copied to every rank (however
// a plugin initialised them).
void Trainer::synchronise_start() {
    const std::vector<std::string> all = comm_.all_gather(fmt::format("config {}, step {}", options_.config_hash, state_.step));
    for (std::size_t r = 1; r < all.size(); ++r)
        if (all[r] != all[0]) {
            mark_failure_shared();
            throw UsageError(fmt::format("rank {} would train {} but rank 0 {}: every rank must be given the same FILE, --set flags "
                                         "and run directory (visible to all, to resume)", r, all[r], all[0]));
        }
    share_from_rank0(ctx_.parameters().all());
    share_from_rank0(ctx_.parameters().buffers());
}

void Trainer::share_from_rank0(const std::vector<Tensor>& tensors) {
    for (const Tensor& t : tensors) comm_.broadcast(t.raw(), static_cast<std::size_t>(t.numel()) * 4);  // f32 and i32 alike
}

Trainer::~Trainer() = default;

// Which nodes each phase runs and which of them must be taped: those whose parameters the
// phase's optimizers update, and those downstream of a taped node.
void Trainer::plan_phases() {
    for (const auto& o : spec_.optimizers) {
        std::vector<Tensor> group;
        for (const auto& name : o.nodes)
            for (const auto& [n, t] : pipeline_.node_parameters(spec_.node_index(name)))
                if (t.requires_grad()) group.push_back(t);
        groups_.push_back(group);
    }
    for (const auto& p : spec_.phases) {
        Phase phase{&p, pipeline_.loss_indices(p.losses), pipeline_.optimizer_indices(p.optimizers), {}, {}, {}, nullptr};
        phase.nodes = pipeline_.nodes_for_losses(phase.losses);
        std::set<std::size_t> trained;  // owners of the parameters this phase updates
        for (std::size_t o : phase.optimizers)
            for (const auto& name : spec_.optimizers[o].nodes)
                trained.insert(pipeline_.dataflow().owner(spec_.node_index(name)));
        std::set<std::string> taped_tensors;
        for (std::size_t i : phase.nodes) {
            bool taped = trained.count(pipeline_.dataflow().owner(i)) != 0;
            for (const auto& [port, tensor] : spec_.nodes[i].in) taped = taped || taped_tensors.count(tensor);
            if (!taped) continue;
            phase.recorded.insert(i);
            for (const auto& [port, tensor] : spec_.nodes[i].out) taped_tensors.insert(tensor);
        }
        // Parameters no optimizer of the phase updates need no gradient (a GAN's discriminator
        // in the generator phase): frozen while the phase runs, their weight gradients are skipped.
        std::set<const void*> updated;
        for (std::size_t o : phase.optimizers)
            for (const Tensor& t : groups_[o]) updated.insert(t.raw());
        std::vector<Tensor> trained_params;  // in creation order
        for (const Tensor& t : ctx_.parameters().all()) {
            if (t.requires_grad() && !updated.count(t.raw())) phase.frozen.push_back(t);
            if (updated.count(t.raw())) trained_params.push_back(t);
        }
        if (comm_.size() > 1) phase.reducer = std::make_unique<GradReducer>(ctx_, comm_, trained_params);
        phases_.push_back(std::move(phase));
    }
}

NamedTensors Trainer::checkpoint_tensors() const {
    NamedTensors out = model_tensors(ctx_.parameters());
    for (std::size_t k = 0; k < spec_.optimizers.size(); ++k) {
        const NamedTensors state = optimizer_tensors(spec_.optimizers[k].name, pipeline_.optimizer(k).save_state());
        out.insert(out.end(), state.begin(), state.end());
    }
    return out;
}

void Trainer::save() {
    // Buffers (batch norm's running statistics) follow each rank's rows: rank 0's are the run's.
    if (comm_.size() > 1) share_from_rank0(ctx_.parameters().buffers());
    state_.streams_used = ctx_.device().streams_used();
    const NamedTensors tensors = checkpoint_tensors();
    // A parameter or state that went NaN or infinite while every loss stayed finite would make a
    // checkpoint that every later command refuses: the run stops here, keeping the last good one.
    for (const auto& [name, t] : tensors) {
        if (t.dtype() != DType::f32) continue;
        const float* v = t.data<float>();
        for (int64_t i = 0; i < t.numel(); ++i)
            if (!std::isfinite(v[i])) {
                if (comm_.size() > 1) mark_failure_shared();  // every rank holds the same parameters
                const Divergence d{name, "", static_cast<double>(v[i]), state_.step, state_.epoch + 1};
                throw DivergedError(d, fmt::format("training stopped: '{}' is {} at element {} at step {} (epoch {}), though every loss was finite. "
                                                   "The last good checkpoint is kept in {}. Try a lower learning rate or gradient clipping "
                                                   "(optimizers.NAME.clip_norm).",
                                                   name, std::isnan(v[i]) ? "NaN" : v[i] > 0 ? "+Inf" : "-Inf", i, d.step, d.epoch,
                                                   run_.has_checkpoint() ? run_.state().string() : "(none yet: it failed before the first)"));
            }
    }
    if (!writes()) return;
    // The log's lines up to this step reach the disk before the checkpoint that says they are
    // there: a resumed run writes only what came after.
    log_->sync();
    save_checkpoint(run_, state_, tensors);
}

void Trainer::resume() {
    Checkpoint c = load_checkpoint(run_, ctx_.device().pool());
    if (c.state.config_hash != options_.config_hash)
        throw ConfigError(SourcePlace{c.file.string()}, "this run was made by a different pipeline (config " + c.state.config_hash + ", now " +
                          options_.config_hash + "); only train.epochs and train.steps may change when resuming");
    if (c.state.optimizer_steps.size() != spec_.optimizers.size())
        throw DataError(c.file, "has state for " + std::to_string(c.state.optimizer_steps.size()) + " optimizers, the pipeline has " +
                        std::to_string(spec_.optimizers.size()));
    restore_tensors(c.tensors.tensors, model_tensors(ctx_.parameters()), c.file);
    for (std::size_t k = 0; k < spec_.optimizers.size(); ++k)
        pipeline_.restore_optimizer(k, optimizer_state(c.tensors.tensors, spec_.optimizers[k].name), c.tensors_file);
    const int64_t per_epoch = batches_->batches_per_epoch();
    if (c.state.batch > per_epoch)
        throw DataError(c.file, fmt::format("'batch' is {}, but an epoch of this pipeline has {} batches", c.state.batch, per_epoch));
    RunState saved = c.state;
    saved.components = state_.components;
    saved.finished = false;
    state_ = saved;
    ctx_.device().set_random_state(state_.seed, state_.streams_used);
    if (writes()) MetricsLog::truncate(run_.metrics(), state_.step);
}

bool Trainer::budget_left() const {
    if (stopped_early_) return false;
    return spec_.train.steps > 0 ? state_.step < spec_.train.steps : state_.epoch < spec_.train.epochs;
}

TrainResult Trainer::run() {
    if (comm_.size() > 1) synchronise_start();
    std::ostream& out = *options_.out;
    out << fmt::format("Training {} for {} on {} examples ({} per batch, {} steps per epoch); run directory {}\n",
                       spec_.file, spec_.train.steps > 0 ? fmt::format("{} steps", spec_.train.steps) : fmt::format("{} epochs", spec_.train.epochs),
                       pipeline_.train_split().indices.size(), spec_.data.batch_size, batches_->batches_per_epoch(),
                       run_.path().string());
    if (comm_.size() > 1) {
        const RowWindow first = rows_of(spec_.data.batch_size, 0, comm_.size()), last = rows_of(spec_.data.batch_size, comm_.size() - 1, comm_.size());
        std::size_t buckets = 0;
        for (const Phase& p : phases_) buckets += p.reducer->buckets();
        out << fmt::format("Data-parallel on {}: each computes {} of the {} examples of a batch; gradients are summed in {} buckets "
                           "(up to {} KiB, a larger tensor alone) while backward runs\n",
                           comm_.describe(), first.count == last.count ? std::to_string(first.count) : fmt::format("{}-{}", last.count, first.count),
                           spec_.data.batch_size, buckets, GradReducer::bucket_bytes / 1024);
    }
    if (options_.resume) out << fmt::format("Resuming at epoch {}, step {}\n", state_.epoch + 1, state_.step);
    write_record(RunRecord::Status::running);
    TrainResult result;
    try {
        while (budget_left())
            if (!train_epoch()) break;
        finish(result);
    } catch (const DivergedError& e) {
        write_record(RunRecord::Status::diverged, e.what());
        throw;
    } catch (const std::exception& e) {
        write_record(RunRecord::Status::failed, e.what());
        throw;
    }
    write_record(stopped_early_ ? RunRecord::Status::early_stopped : RunRecord::Status::finished);
    if (presenter_ && presenter_->reports()) out << "Report: " << run_.report().string() << "\n";
    return result;
}

// One epoch (or what is left of it). False when the step budget ran out inside it.
bool Trainer::train_epoch() {
    const int64_t per_epoch = batches_->batches_per_epoch();
    const std::string label =
        spec_.train.steps > 0 ? fmt::format("epoch {}", state_.epoch + 1) : fmt::format("epoch {}/{}", state_.epoch + 1, spec_.train.epochs);
    ProgressBar bar(*options_.out, label, per_epoch, spec_.data.batch_size, options_.terminal);
    batches_->start_epoch(state_.epoch, state_.batch);
    last_step_end_ = std::chrono::steady_clock::now();  // epoch ends are not steps
    last_step_end_cpu_ = process_cpu_seconds();
    last_counters_ = ctx_.device().counters();
    auto means = [&] {  // losses in pipeline order, then the total, then anything else
        std::vector<std::string> order;
        for (const auto& l : spec_.losses) order.push_back(l.name);
        order.push_back("total");
        for (const auto& [k, v] : state_.epoch_sums)
            if (std::find(order.begin(), order.end(), k) == order.end()) order.push_back(k);
        Metrics m;
        for (const auto& k : order) {
            auto it = state_.epoch_sums.find(k);
            if (it != state_.epoch_sums.end()) m.emplace_back(k, it->second / static_cast<double>(std::max<int64_t>(1, state_.epoch_steps)));
        }
        return m;
    };
    NamedTensors batch;
    while ((spec_.train.steps == 0 || state_.step < spec_.train.steps) && batches_->next(batch)) {
        Metrics metrics;
        {
            RowWindowScope rows(ctx_.device(), batches_->window());  // this rank's rows of the batch
            metrics = train_step(TensorMap(batch.begin(), batch.end()));
        }
        ++state_.step;
        ++state_.batch;
        ++state_.epoch_steps;
        for (const auto& [k, v] : metrics) state_.epoch_sums[k] += v;
        if (writes() && state_.step % spec_.train.log_every == 0) log_->write(state_.step, state_.epoch + 1, "train", with_schedules(metrics));
        bar.update(state_.batch, means());
        if (spec_.train.checkpoint_every > 0 && state_.step % spec_.train.checkpoint_every == 0 && state_.batch < per_epoch) save();
        time_step();
    }
    bar.finish(means());
    if (state_.batch < per_epoch) {  // the step budget ended inside the epoch
        save();
        return false;
    }
    return end_epoch(means());
}

ReduceTiming Trainer::reduce_total() const {
    ReduceTiming total;
    for (const Phase& p : phases_)
        if (p.reducer) total = total + p.reducer->timing();
    return total;
}

// Counts a finished step into the timing; checkpoints written mid-epoch count as step time.
void Trainer::time_step() {
    const auto now = std::chrono::steady_clock::now();
    const double cpu = process_cpu_seconds();
    const RuntimeCounters counters = ctx_.device().counters();
    if (++timing_.steps == 1) timing_.first_step_done = std::chrono::system_clock::now();
    if (timing_.steps == StepTiming::warmup_steps) reduce_at_warmup_ = reduce_total();
    if (timing_.steps > StepTiming::warmup_steps) {
        timing_.steady_seconds += std::chrono::duration<double>(now - last_step_end_).count();
        timing_.steady_cpu_seconds += cpu - last_step_end_cpu_;
        timing_.steady_buffers_allocated += counters.buffers_allocated - last_counters_.buffers_allocated;
        timing_.steady_primitives_created += counters.primitives_created - last_counters_.primitives_created;
        ++timing_.steady_steps;
    }
    last_step_end_ = now;
    last_step_end_cpu_ = cpu;
    last_counters_ = counters;
}

// True when loss k sums over the batch's rows (the SDK's `reduction: sum`) rather than
// averaging them: then each rank's part adds up to the whole, unweighted.
bool Trainer::sums_over_rows(std::size_t k) const {
    const YAML::Node& options = spec_.losses[k].options;
    return options && options.IsMap() && options["reduction"] && options["reduction"].IsScalar() &&
           options["reduction"].Scalar() == "sum";
}

// Loss k's weight at the current step, warm-up included.
double Trainer::loss_weight(std::size_t k) const {
    return spec_.losses[k].weight * warmup_factor(spec_.losses[k].warmup, state_.step);
}

Metrics Trainer::train_step(const TensorMap& batch) {
    Metrics metrics;
    for (const Phase& phase : phases_)
        for (int64_t u = 0; u < phase.spec->updates; ++u) {
            try {
                run_phase(phase, batch, metrics);
            } catch (const PluginError& e) {  // say where training was, and what is kept
                ctx_.tape().clear();
                throw PluginError(fmt::format("training stopped at step {} (epoch {}, phase '{}'; the last good checkpoint is kept in {})",
                                              state_.step + 1, state_.epoch + 1, phase.spec->name,
                                              run_.has_checkpoint() ? run_.state().string() : "none: it failed before the first"),
                                  e);
            }
        }
    double total = 0;
    for (std::size_t k = 0; k < spec_.losses.size(); ++k) {
        double v = metric(metrics, spec_.losses[k].name);
        if (!std::isnan(v)) total += loss_weight(k) * v;
    }
    metrics.emplace_back("total", total);
    return metrics;
}

namespace {

// Turns requires_grad off for `frozen` until the end of the scope.
class Freeze {
public:
    explicit Freeze(std::vector<Tensor> frozen) : frozen_(std::move(frozen)) {
        for (Tensor& t : frozen_) t.set_requires_grad(false);
    }
    ~Freeze() {
        for (Tensor& t : frozen_) t.set_requires_grad(true);
    }
    Freeze(const Freeze&) = delete;
    Freeze& operator=(const Freeze&) = delete;

private:
    std::vector<Tensor> frozen_;
};

}  // namespace

void Trainer::run_phase(const Phase& phase, const TensorMap& batch, Metrics& metrics) {
    ctx_.parameters().zero_grad();
    Freeze freeze(phase.frozen);
    // Each rank's losses are means over its rows: weighted by its share of the batch, the sum
    // over ranks of their gradients is the gradient of the whole batch's mean (1 alone).
    const RowWindow& rows = batches_->window();
    const double share = static_cast<double>(rows.count) / static_cast<double>(rows.rows);
    std::vector<Tensor> losses;
    std::vector<double> weights;
    Metrics mine;
    std::vector<bool> summed;  // for each of `mine`: a sum over the rows (its loss's), not a mean
    std::exception_ptr failure;
    int code = 0;
    std::string message;
    try {
        if (test_failure_here("kill", state_.step + 1, comm_.rank())) std::raise(SIGKILL);
        if (test_failure_here("plugin", state_.step + 1, comm_.rank()))
            throw PluginError("the plugin failed (CHIMERA_TEST_FAIL asked it to)");
        TensorMap values = batch;
        pipeline_.sample_noise(values, batch.begin()->second.dim(0));
        pipeline_.run_nodes(values, phase.nodes, &phase.recorded);
        for (std::size_t k : phase.losses) {
            Pipeline::LossResult result = pipeline_.run_loss(values, k);
            Tensor loss = result.loss;
            double value = loss.data<float>()[0];
            if (test_failure_here("nan", state_.step + 1, comm_.rank())) value = std::nan("");
            if (!std::isfinite(value)) {
                const Divergence d{spec_.losses[k].name, phase.spec->name, value, state_.step + 1, state_.epoch + 1};
                throw DivergedError(d, fmt::format(
                    "training stopped: loss '{}' is {} at step {} (epoch {}, phase '{}'). The last good checkpoint is kept in {}. "
                    "Try a lower learning rate or gradient clipping (optimizers.NAME.clip_norm).",
                    d.loss, std::isnan(value) ? "NaN" : value > 0 ? "+Inf" : "-Inf", d.step, d.epoch, d.phase,
                    run_.has_checkpoint() ? run_.state().string() : "(none yet: it failed before the first)"));
            }
            mine.emplace_back(spec_.losses[k].name, value);
            mine.insert(mine.end(), result.extras.begin(), result.extras.end());
            summed.resize(mine.size(), sums_over_rows(k));
            losses.push_back(loss);
            weights.push_back(loss_weight(k) * (sums_over_rows(k) ? 1.0 : share));
        }
    } catch (const std::exception& e) {
        ctx_.tape().clear();
        if (comm_.size() == 1) throw;
        failure = std::current_exception();
        code = options_.exit_code_of ? options_.exit_code_of(e) : 1;
        message = e.what();
        if (dynamic_cast<const PluginError*>(&e))  // where training was, as train_step says it
            message = fmt::format("training stopped at step {} (epoch {}, phase '{}'; the last good checkpoint is kept in {}): {}",
                                  state_.step + 1, state_.epoch + 1, phase.spec->name,
                                  run_.has_checkpoint() ? run_.state().string() : "none: it failed before the first", message);
    }
    if (comm_.size() > 1) mine = agree(mine, summed, failure, code, message);  // throws on every rank when one failed
    metrics.insert(metrics.end(), mine.begin(), mine.end());
    if (!phase.reducer) {
        backward(ctx_, losses, weights);
    } else {
        try {
            backward(ctx_, losses, weights, phase.reducer->hooks());
            phase.reducer->finish();
        } catch (const std::exception& e) {
            // Sums in flight write into this rank's buffers: it must stop before freeing them.
            if (phase.reducer->pending() && options_.fail_now) options_.fail_now(e);
            throw;
        }
    }
    for (std::size_t o : phase.optimizers) {
        const OptimizerSpec& os = spec_.optimizers[o];
        if (os.clip_norm > 0) metrics.emplace_back("grad_norm/" + os.name, clip_grad_norm(groups_[o], os.clip_norm));
        pipeline_.optimizer(o).step(lr_scale(os.schedule, state_.step, total_steps_), ++state_.optimizer_steps[o]);
    }
}

// Every rank's losses, combined in rank order as its share of the batch, or the first failure
// of any rank, thrown on every rank: the failing rank rethrows its own error, the others a
// PeerError with its message and exit code (settle). Rank 0 alone prints it (cli/main.cpp).
Metrics Trainer::agree(const Metrics& mine, const std::vector<bool>& summed, const std::exception_ptr& failure, int code,
                       const std::string& message) {
    const RowWindow& rows = batches_->window();
    std::vector<double> numbers{static_cast<double>(rows.count)};
    for (const auto& [name, value] : mine) numbers.push_back(value);
    const std::string payload(reinterpret_cast<const char*>(numbers.data()), numbers.size() * sizeof(double));
    Metrics combined = mine;
    std::vector<double> sums(mine.size(), 0.0);
    for (const std::string& theirs : settle(comm_, failure, code, message, payload)) {
        std::vector<double> v(theirs.size() / sizeof(double));
        std::memcpy(v.data(), theirs.data(), v.size() * sizeof(double));
        for (std::size_t i = 0; i < sums.size(); ++i) sums[i] += summed[i] ? v[1 + i] : v[1 + i] * v[0];
    }
    for (std::size_t i = 0; i < combined.size(); ++i) combined[i].second = summed[i] ? sums[i] : sums[i] / static_cast<double>(rows.rows);
    return combined;
}

// Validation, early stopping, samples and a checkpoint. False when training should stop.
bool Trainer::end_epoch(const Metrics& train_means) {
    std::ostream& out = *options_.out;
    const int64_t epoch = state_.epoch + 1;
    if (writes()) log_->write(state_.step, epoch, "train_epoch", train_means);
    // Buffers (batch norm's running statistics) follow each rank's rows: rank 0's go to every
    // rank at each epoch's end, before validation uses them and the checkpoint keeps them.
    if (comm_.size() > 1) share_from_rank0(ctx_.parameters().buffers());
    bool stop = false;
    if (pipeline_.validation_split().present()) {
        Metrics validation = evaluate_split(pipeline_, ctx_, pipeline_.validation_split(), spec_.data.batch_size, comm_);
        if (writes()) log_->write(state_.step, epoch, "validation", validation);
        out << "  validation: " << metrics_line(validation) << "\n";
        stop = early_stopping(validation);
    }
    write_samples();
    state_.epoch += 1;
    state_.batch = 0;
    state_.epoch_sums.clear();
    state_.epoch_steps = 0;
    stopped_early_ = stop;
    save();
    write_record(RunRecord::Status::running);
    out.flush();
    return !stop;
}

// The step's metrics and what the schedules set for it, for the log (not the console): each
// optimizer's learning rate ("lr/NAME", or "lr_scale/NAME" when its options name no lr) and
// the weight of each loss that warms up ("weight/NAME").
Metrics Trainer::with_schedules(Metrics metrics) const {
    const int64_t step = state_.step - 1;  // the step that ran
    for (const OptimizerSpec& os : spec_.optimizers) {
        const double scale = lr_scale(os.schedule, step, total_steps_);
        const YAML::Node lr = os.options && os.options.IsMap() ? os.options["lr"] : YAML::Node();
        double base = 0;
        if (lr && lr.IsScalar() && YAML::convert<double>::decode(lr, base)) metrics.emplace_back("lr/" + os.name, base * scale);
        else metrics.emplace_back("lr_scale/" + os.name, scale);
    }
    for (const LossSpec& loss : spec_.losses)
        if (loss.warmup.steps > 0) metrics.emplace_back("weight/" + loss.name, loss.weight * warmup_factor(loss.warmup, step));
    return metrics;
}

// Updates run.json and RUN/report.html (rank 0).
void Trainer::write_record(RunRecord::Status status, const std::string& message) {
    if (presenter_) presenter_->update(status, state_.step, state_.epoch, message);
}

// Updates the best value; true when patience has run out.
bool Trainer::early_stopping(const Metrics& validation) {
    const EarlyStoppingSpec& e = spec_.train.early_stopping;
    if (!e.enabled) return false;
    const std::string name = e.monitor.substr(e.monitor.find('/') + 1);
    const double value = metric(validation, name);
    if (std::isnan(value))
        yaml_fail(e.node, {spec_.file, "train.early_stopping.monitor"},
                  "no metric '" + e.monitor + "' (validation has: " + metrics_line(validation) + ")");
    const bool better = state_.best_epoch < 0 || (e.mode == "min" ? value < state_.best - e.min_delta : value > state_.best + e.min_delta);
    if (better) {
        state_.best = value;
        state_.best_epoch = state_.epoch + 1;
        state_.bad_epochs = 0;
        if (e.restore_best && writes()) save_best(run_, model_tensors(ctx_.parameters()));
        return false;
    }
    if (++state_.bad_epochs < e.patience) return false;
    *options_.out << fmt::format("  early stopping: {} has not improved for {} epochs (best {:.4g} at epoch {})\n", e.monitor,
                                 state_.bad_epochs, state_.best, state_.best_epoch);
    if (e.restore_best) {
        if (writes()) restore_best(run_, model_tensors(ctx_.parameters()), ctx_.device().pool());
        if (comm_.size() > 1) {
            share_from_rank0(ctx_.parameters().all());
            share_from_rank0(ctx_.parameters().buffers());
        }
        *options_.out << fmt::format("  restored the parameters of epoch {}\n", state_.best_epoch);
    }
    return true;
}

void Trainer::write_samples() {
    if (!writes() || spec_.train.samples == 0 || (!sampler_->can_generate() && !sampler_->can_reconstruct())) return;
    const fs::path file = run_.sample_grid(state_.epoch + 1);
    fs::create_directories(file.parent_path());
    // The same prior samples every epoch, so the grids show the model changing.
    Tensor images = sampler_->can_generate() ? sampler_->generate(spec_.train.samples, state_.seed + 1, std::nullopt, kSampleColumns)
                                             : sampler_->reconstruct(spec_.train.samples, kSampleColumns);
    sampler_->write(file, images, kSampleColumns);
    presenter_->draw_figures(*sampler_, state_.seed, state_.epoch + 1);
}

void Trainer::finish(TrainResult& result) {
    std::ostream& out = *options_.out;
    state_.finished = !budget_left() || stopped_early_;
    result.steps = state_.step;
    result.epochs = state_.epoch;
    result.stopped_early = stopped_early_;
    timing_.steady_reduce = reduce_total() - reduce_at_warmup_;
    result.timing = timing_;
    if (comm_.size() > 1) share_from_rank0(ctx_.parameters().buffers());
    if (pipeline_.test_split().present()) {
        EvalScope same_numbers(ctx_, state_.seed + 2);  // the test metrics of a run do not depend on when they are asked for
        result.test = evaluate_split(pipeline_, ctx_, pipeline_.test_split(), spec_.data.batch_size, comm_);
    }
    save();
    if (!result.test.empty()) {
        if (writes()) log_->write(state_.step, state_.epoch, "test", result.test);
        out << "Test (" << pipeline_.test_split().indices.size() << " examples, mean per example):\n" << metrics_table(result.test);
    }
    const double per_second = timing_.samples_per_second(spec_.data.batch_size);
    const std::string rate = per_second > 0 ? fmt::format(" ({:.0f} training samples/s)", per_second) : "";
    out << fmt::format("Done: {} steps, {} epochs{}. Checkpoint, metrics and samples are in {}\n", state_.step, state_.epoch, rate,
                       run_.path().string());
}

}  // namespace chimera
