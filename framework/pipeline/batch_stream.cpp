#include "pipeline/batch_stream.hpp"

#include "core/host_error.hpp"
#include "runtime/philox.hpp"

#include <algorithm>
#include <cstring>
#include <numeric>

namespace chimera {

RowWindow rows_of(int64_t rows, int rank, int ranks) {
    const int64_t base = rows / ranks, extra = rows % ranks;  // the first `extra` ranks take one more
    return {rows, rank * base + std::min<int64_t>(rank, extra), base + (rank < extra ? 1 : 0)};
}

BatchStream::BatchStream(Context& ctx, const ComponentInstance& loader, std::vector<int64_t> split,
                         BatchOptions options)
    : ctx_(ctx), loader_(loader), examples_(std::move(split)), options_(options), fields_(loader.fields()),
      slot_pool_(std::make_shared<BufferPool>()) {
    if (examples_.empty()) throw UsageError("data: the split has no examples");
    if (options_.batch_size < 1) throw UsageError("data: batch size must be positive");
    if (options_.ranks < 1 || options_.rank < 0 || options_.rank >= options_.ranks) throw std::logic_error("BatchStream: bad rank");
    const int64_t n = static_cast<int64_t>(examples_.size());
    if (options_.drop_last && options_.batch_size > n)
        throw UsageError("data: batch size " + std::to_string(options_.batch_size) + " exceeds the " +
                         std::to_string(n) + " examples of the split");
}

BatchStream::~BatchStream() {
    if (pending_.valid()) pending_.wait();  // the worker writes into our slots
}

int64_t BatchStream::batches_per_epoch() const {
    int64_t n = examples(), b = options_.batch_size;
    return options_.drop_last ? n / b : (n + b - 1) / b;
}

void BatchStream::start_epoch(int64_t epoch, int64_t first_batch) {
    wait_pending();
    order_ = examples_;
    if (options_.shuffle) {
        // Fisher-Yates driven by a counter-based stream keyed by (seed, epoch).
        std::vector<float> u(order_.size());
        philox_uniform(philox_key(ctx_.device().seed() ^ 0x5EEDDA7Aull, static_cast<uint64_t>(epoch)), u.data(),
                       static_cast<int64_t>(u.size()));
        for (std::size_t i = order_.size(); i-- > 1;) {
            std::size_t j = std::min(i, static_cast<std::size_t>(u[i] * static_cast<float>(i + 1)));
            std::swap(order_[i], order_[j]);
        }
    }
    next_batch_ = first_batch;
    pending_batch_ = -1;
    if (next_batch_ < batches_per_epoch()) launch(next_batch_);
}

std::vector<int64_t> BatchStream::indices_of(int64_t batch) const {
    const int64_t begin = batch * options_.batch_size;
    const int64_t end = std::min<int64_t>(begin + options_.batch_size, examples());
    const RowWindow mine = rows_of(end - begin, options_.rank, options_.ranks);
    return std::vector<int64_t>(order_.begin() + begin + mine.begin, order_.begin() + begin + mine.begin + mine.count);
}

BatchStream::Slot& BatchStream::slot(int64_t batch) {
    const int64_t n = static_cast<int64_t>(indices_of(batch).size());
    auto it = slots_.find(n);
    if (it == slots_.end()) {
        std::array<Slot, 2> pair;
        for (Slot& s : pair)
            for (const FieldInfo& f : fields_) {
                if (n == 0) break;  // a rank with no rows of this batch
                Shape shape{n};
                shape.insert(shape.end(), f.shape.begin(), f.shape.end());
                s.push_back(Tensor::empty(slot_pool_, f.dtype, shape));
            }
        it = slots_.emplace(n, std::move(pair)).first;
    }
    return it->second[batch % 2];
}

void BatchStream::launch(int64_t batch) {
    Slot& target = slot(batch);  // made here, on the calling thread
    std::vector<int64_t> indices = indices_of(batch);
    pending_batch_ = batch;
    pending_ = std::async(std::launch::async, [this, &target, indices = std::move(indices)] {
        if (!indices.empty()) loader_.read(indices, target);
    });
}

// Finishes a prefetch nobody will consume (a new epoch starts); its failure, if any, would be
// reported again when that batch is read for real.
void BatchStream::wait_pending() {
    if (!pending_.valid()) return;
    try {
        pending_.get();
    } catch (...) {
    }
}

bool BatchStream::next(NamedTensors& batch) {
    if (next_batch_ >= batches_per_epoch()) return false;
    pending_.get();  // rethrows the loader's PluginError
    Slot& ready = slot(next_batch_);
    const int64_t begin = next_batch_ * options_.batch_size;
    window_ = rows_of(std::min<int64_t>(begin + options_.batch_size, examples()) - begin, options_.rank, options_.ranks);
    batch.clear();
    for (std::size_t f = 0; f < fields_.size() && window_.count > 0; ++f) {
        Tensor t = ctx_.empty(fields_[f].dtype, ready[f].shape());
        std::memcpy(t.raw(), ready[f].raw(), static_cast<std::size_t>(t.numel()) * 4);
        batch.emplace_back(fields_[f].name, t);
    }
    ++next_batch_;
    if (next_batch_ < batches_per_epoch()) launch(next_batch_);
    return true;
}

}  // namespace chimera
