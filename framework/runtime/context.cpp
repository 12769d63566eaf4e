#include "runtime/context.hpp"

#include "autograd/parameter_store.hpp"
#include "autograd/tape.hpp"
#include "core/host_error.hpp"

#include <omp.h>

#include <cstdlib>
#include <thread>

namespace chimera {

Context::Context(int threads, uint64_t seed)
    : engine_(dnnl::engine::kind::cpu, 0),
      stream_(engine_),
      threads_(threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))),
      pool_(std::make_shared<BufferPool>()),
      tape_(std::make_unique<Tape>()),
      parameters_(std::make_unique<ParameterStore>()),
      seed_(seed) {
    omp_set_num_threads(threads_);
}

Context::~Context() = default;

void Context::set_random_state(uint64_t seed, uint64_t streams_used) {
    seed_ = seed;
    streams_used_ = streams_used;
}

RuntimeCounters Context::counters() const {
    return {primitives_.created(), primitives_.hits(), pool_->allocations()};
}

int resolve_threads(int cli_threads, const char* env) {
    if (cli_threads > 0) return cli_threads;
    if (cli_threads < 0) throw UsageError("--threads must be a positive integer");
    if (!env || !*env) return 0;
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (*end != '\0' || v <= 0 || v > 4096)
        throw UsageError(std::string("CHIMERA_THREADS='") + env + "' is not a positive thread count");
    return static_cast<int>(v);
}

}  // namespace chimera
