// The compute device every op runs on, passed down explicitly: the oneDNN engine and stream,
// the thread count, the buffer pool, the primitive cache and the random state. One per run; no
// singletons. Knows nothing of gradients or parameters (autograd/context.hpp adds those).
#pragma once

#include "runtime/philox.hpp"
#include "runtime/primitive_cache.hpp"
#include "tensor/buffer_pool.hpp"
#include "tensor/tensor.hpp"

#include <oneapi/dnnl/dnnl.hpp>

#include <memory>

namespace chimera {

// Under data parallelism each rank computes rows [begin, begin + count) of a batch of `rows`.
// Random tensors whose first dimension is `count` then hold those rows of the tensor one process
// would draw for the whole batch, so N ranks see the numbers one process sees. Inactive (rows 0)
// outside training and evaluation steps, and in a single process.
struct RowWindow {
    int64_t rows = 0, begin = 0, count = 0;
};

struct RuntimeCounters {
    uint64_t primitives_created = 0;
    uint64_t primitive_cache_hits = 0;
    uint64_t buffers_allocated = 0;
};

class Device {
public:
    // `threads` 0 means every core. Also sets oneDNN's (OpenMP's) thread count.
    explicit Device(int threads = 0, uint64_t seed = 0);
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;

    dnnl::engine& engine() { return engine_; }
    dnnl::stream& stream() { return stream_; }
    // A second stream, for a primitive run on another thread beside one on stream().
    dnnl::stream& side_stream() { return side_stream_; }
    int threads() const { return threads_; }
    PrimitiveCache& primitives() { return primitives_; }
    const std::shared_ptr<BufferPool>& pool() const { return pool_; }

    // A new tensor from this device's pool.
    Tensor empty(DType dtype, Shape shape) { return Tensor::empty(pool_, dtype, std::move(shape)); }
    Tensor zeros(DType dtype, Shape shape) { return Tensor::empty(pool_, dtype, std::move(shape), true); }

    // Random state: the seed and how many random streams have been handed out. Each random op
    // takes the next stream, so a run is reproducible from (seed, streams_used).
    uint64_t seed() const { return seed_; }
    uint64_t streams_used() const { return streams_used_; }
    void set_random_state(uint64_t seed, uint64_t streams_used);
    PhiloxKey next_random_stream() { return philox_key(seed_, streams_used_++); }
    void set_row_window(RowWindow window) { window_ = window; }
    const RowWindow& row_window() const { return window_; }
    // Where a random tensor of `shape` starts in its stream: the window's first row when the
    // window is active and the tensor is the rank's part of a batch, else 0.
    int64_t random_offset(const Shape& shape) const;

    RuntimeCounters counters() const;

private:
    dnnl::engine engine_;
    dnnl::stream stream_;
    dnnl::stream side_stream_;
    int threads_;
    std::shared_ptr<BufferPool> pool_;
    PrimitiveCache primitives_;
    uint64_t seed_;
    uint64_t streams_used_ = 0;
    RowWindow window_;
};

// Sets a device's row window for a scope and puts back the one it found.
class RowWindowScope {
public:
    RowWindowScope(Device& device, RowWindow window) : device_(device), previous_(device.row_window()) {
        device.set_row_window(window);
    }
    ~RowWindowScope() { device_.set_row_window(previous_); }
    RowWindowScope(const RowWindowScope&) = delete;
    RowWindowScope& operator=(const RowWindowScope&) = delete;

private:
    Device& device_;
    RowWindow previous_;
};

}  // namespace chimera
