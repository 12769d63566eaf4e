// Averaging a phase's gradients across ranks while backward still runs, as DDP and Horovod do:
// the parameters are taken in the reverse of their creation order (roughly the order backward
// finishes them); a gradient of half a bucket (512 KiB) or more is a bucket of its own, summed in
// place, and smaller ones share buckets of up to 1 MiB (copied in and out); each bucket's sum is
// started as soon as its last gradient is whole, so the transfer of the late layers' gradients overlaps the backward of
// the early ones. Buckets start in plan order on every rank (MPI requires one order). The
// gradients must be pre-scaled (each rank's loss weighted by its share of the batch), so a sum is
// the global batch's gradient. Not the transport (comm/) nor the step (the trainer).
#pragma once

#include "autograd/graph.hpp"
#include "comm/communicator.hpp"

#include <chrono>
#include <unordered_map>
#include <vector>

namespace chimera {

struct ReduceTiming {
    double exposed_seconds = 0;  // waiting for sums after backward ended
    double call_seconds = 0;     // in the engine's calls while backward ran (starting, progressing)
    int64_t bytes = 0;           // gradient bytes summed
    int64_t bytes_started_in_backward = 0;  // of those, whose sum began before backward ended
};
ReduceTiming operator+(const ReduceTiming& a, const ReduceTiming& b);
ReduceTiming operator-(const ReduceTiming& a, const ReduceTiming& b);

class GradReducer {
public:
    // A shared bucket closes at this many bytes of gradients; a tensor of half as many or more
    // travels alone, in place (no copy). Large enough that a bucket's latency is small beside its
    // transfer, small enough that the first starts early in backward: DDP's first bucket is 1 MB.
    static constexpr int64_t bucket_bytes = int64_t{1} << 20;

    // `params`: the parameters the phase updates, in creation order (their gradients are made
    // in `ctx`'s memory when backward leaves one out).
    GradReducer(Context& ctx, Communicator& comm, const std::vector<Tensor>& params);
    GradReducer(const GradReducer&) = delete;
    GradReducer& operator=(const GradReducer&) = delete;

    // For one backward: reports each finished gradient and lets the sums move.
    BackwardHooks hooks();
    // After backward: starts what is left (a gradient the tape never reached counts as zeros),
    // waits for every sum and leaves each parameter's `grad` the sum over ranks.
    void finish();
    // True while sums are in flight: their buffers must outlive them.
    bool pending() const { return next_ > 0 && !finished_; }
    const ReduceTiming& timing() const { return timing_; }
    std::size_t buckets() const { return buckets_.size(); }

private:
    struct Bucket {
        std::vector<std::size_t> params;
        int64_t floats = 0;
        std::vector<float> flat;  // a bucket of several tensors travels as one copy
        std::size_t waiting = 0;  // gradients not yet whole in this backward
    };
    void ready(const TensorImpl& leaf);
    void start_ready_buckets();
    void start(Bucket& b);
    Tensor gradient(std::size_t param);

    Context& ctx_;
    Communicator& comm_;
    std::vector<Tensor> params_;
    std::unordered_map<const TensorImpl*, std::size_t> bucket_of_;
    std::vector<Bucket> buckets_;
    std::size_t next_ = 0;  // the first bucket not started
    std::vector<std::size_t> absent_;  // parameters backward gave no gradient, this step
    ReduceTiming timing_;
    bool in_backward_ = false, finished_ = true;
};

}  // namespace chimera
