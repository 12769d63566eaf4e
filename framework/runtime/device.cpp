#include "runtime/device.hpp"

#include <omp.h>

#include <algorithm>
#include <thread>

namespace chimera {

Device::Device(int threads, uint64_t seed)
    : engine_(dnnl::engine::kind::cpu, 0),
      stream_(engine_),
      side_stream_(engine_),
      threads_(threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))),
      pool_(std::make_shared<BufferPool>()),
      seed_(seed) {
    omp_set_num_threads(threads_);
}

void Device::set_random_state(uint64_t seed, uint64_t streams_used) {
    seed_ = seed;
    streams_used_ = streams_used;
}

int64_t Device::random_offset(const Shape& shape) const {
    if (window_.rows == 0 || shape.empty() || shape[0] != window_.count) return 0;
    int64_t inner = 1;
    for (std::size_t d = 1; d < shape.size(); ++d) inner *= shape[d];
    return window_.begin * inner;
}

RuntimeCounters Device::counters() const {
    return {primitives_.created(), primitives_.hits(), pool_->allocations()};
}

}  // namespace chimera
