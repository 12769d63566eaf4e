// Everything an op needs that is not its arguments, passed down explicitly: the oneDNN engine
// and stream, the thread count, the buffer pool, the primitive cache, the random state, the
// tape and gradient mode, and the named parameters. One per run; no singletons.
#pragma once

#include "runtime/philox.hpp"
#include "runtime/primitive_cache.hpp"
#include "tensor/buffer_pool.hpp"
#include "tensor/tensor.hpp"

#include <oneapi/dnnl/dnnl.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace chimera {

class Tape;
class ParameterStore;

// Sees every op a plugin calls through the host table, after it has run: the op's name, its
// inputs (undefined for an input the plugin passed as NULL) and its outputs. For tools that
// inspect a module (a layer summary); not called for ops the host runs itself.
using OpObserver = std::function<void(const std::string& op, const std::vector<Tensor>& inputs,
                                      const std::vector<Tensor>& outputs)>;

struct RuntimeCounters {
    uint64_t primitives_created = 0;
    uint64_t primitive_cache_hits = 0;
    uint64_t buffers_allocated = 0;
};

class Context {
public:
    // `threads` 0 means every core. Also sets oneDNN's (OpenMP's) thread count.
    explicit Context(int threads = 0, uint64_t seed = 0);
    ~Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    dnnl::engine& engine() { return engine_; }
    dnnl::stream& stream() { return stream_; }
    int threads() const { return threads_; }
    PrimitiveCache& primitives() { return primitives_; }
    const std::shared_ptr<BufferPool>& pool() const { return pool_; }
    Tape& tape() { return *tape_; }
    ParameterStore& parameters() { return *parameters_; }

    // A new tensor from this context's pool.
    Tensor empty(DType dtype, Shape shape) { return Tensor::empty(pool_, dtype, std::move(shape)); }
    Tensor zeros(DType dtype, Shape shape) {
        return Tensor::empty(pool_, dtype, std::move(shape), true);
    }

    // Gradient recording (on by default). Ops record on the tape only while it is on.
    bool grad_enabled() const { return grad_enabled_; }
    void set_grad_enabled(bool on) { grad_enabled_ = on; }

    // Training (1) or evaluating/generating (0): what dropout and batch norm consult.
    bool training() const { return training_; }
    void set_training(bool on) { training_ = on; }

    // Random state: the seed and how many random streams have been handed out. Each random op
    // takes the next stream, so a run is reproducible from (seed, streams_used).
    uint64_t seed() const { return seed_; }
    uint64_t streams_used() const { return streams_used_; }
    void set_random_state(uint64_t seed, uint64_t streams_used);
    PhiloxKey next_random_stream() { return philox_key(seed_, streams_used_++); }

    RuntimeCounters counters() const;

    // The op observer, or an empty function (the default: plugin ops then pay one test). An
    // observer that throws fails the op call it observed.
    void set_op_observer(OpObserver observer) { op_observer_ = std::move(observer); }
    const OpObserver& op_observer() const { return op_observer_; }

private:
    dnnl::engine engine_;
    dnnl::stream stream_;
    int threads_;
    std::shared_ptr<BufferPool> pool_;
    PrimitiveCache primitives_;
    std::unique_ptr<Tape> tape_;
    std::unique_ptr<ParameterStore> parameters_;
    bool grad_enabled_ = true;
    bool training_ = true;
    uint64_t seed_;
    uint64_t streams_used_ = 0;
    OpObserver op_observer_;
};

// Restores the gradient mode on scope exit: `NoGradGuard guard(ctx);` for evaluation.
class NoGradGuard {
public:
    explicit NoGradGuard(Context& ctx) : ctx_(ctx), previous_(ctx.grad_enabled()) {
        ctx.set_grad_enabled(false);
    }
    ~NoGradGuard() { ctx_.set_grad_enabled(previous_); }
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

private:
    Context& ctx_;
    bool previous_;
};

// The thread count a run asks for: --threads, else CHIMERA_THREADS, else 0 (every core).
// Throws UsageError for a value that is not a positive integer.
int resolve_threads(int cli_threads, const char* env);

}  // namespace chimera
