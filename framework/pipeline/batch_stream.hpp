// Batches of a loader's examples for training and evaluation: shuffled per epoch from the run's
// seed (the order depends on the seed and the epoch only, never on threads or on the model's
// random numbers), batched, and prefetched: the next batch is read on a worker thread while the
// current one computes. Can start an epoch at any batch, which resuming needs. Not the trainer.
#pragma once

#include "plugin/component_instance.hpp"
#include "autograd/context.hpp"

#include <array>
#include <future>
#include <map>
#include <memory>
#include <vector>

namespace chimera {

struct BatchOptions {
    int64_t batch_size = 64;
    bool shuffle = true;
    bool drop_last = true;  // training keeps shapes fixed; evaluation wants every example
    // Data parallelism: this stream reads rank `rank`'s rows of every batch of `ranks` (see
    // rows_of); the batches themselves are those of one process.
    int rank = 0, ranks = 1;
};

// The rows [begin, begin + count) that rank `rank` of `ranks` computes of a batch of `rows`:
// consecutive slices, larger first, so rank 0's is never empty.
RowWindow rows_of(int64_t rows, int rank, int ranks);

class BatchStream {
public:
    // `examples` are the loader indices this stream covers (a split). Throws UsageError for an
    // empty split or a batch size it cannot fill.
    BatchStream(Context& ctx, const ComponentInstance& loader, std::vector<int64_t> split, BatchOptions options);
    ~BatchStream();
    BatchStream(const BatchStream&) = delete;
    BatchStream& operator=(const BatchStream&) = delete;

    int64_t batches_per_epoch() const;
    int64_t examples() const { return static_cast<int64_t>(examples_.size()); }
    const std::vector<FieldInfo>& fields() const { return fields_; }

    // Orders the examples for `epoch` and starts reading at batch `first_batch`.
    void start_epoch(int64_t epoch, int64_t first_batch = 0);
    // The next batch as (field name, tensor [n, field shape...]) pairs in the context's memory,
    // or false at the end of the epoch. Rethrows the loader's failure, naming the plugin. For a
    // rank, `n` counts its rows (window()); a batch with no rows for it comes as an empty list.
    bool next(NamedTensors& batch);
    // Which rows of its batch the last batch `next` gave are.
    const RowWindow& window() const { return window_; }

private:
    using Slot = std::vector<Tensor>;
    void launch(int64_t batch);
    std::vector<int64_t> indices_of(int64_t batch) const;
    Slot& slot(int64_t batch);
    void wait_pending();

    Context& ctx_;
    const ComponentInstance& loader_;
    std::vector<int64_t> examples_;
    BatchOptions options_;
    std::vector<FieldInfo> fields_;
    std::shared_ptr<BufferPool> slot_pool_;       // the worker's buffers: never the context's pool
    std::map<int64_t, std::array<Slot, 2>> slots_;  // by batch size, double-buffered
    std::vector<int64_t> order_;
    int64_t next_batch_ = 0;
    int64_t pending_batch_ = -1;
    RowWindow window_;
    std::future<void> pending_;
};

}  // namespace chimera
