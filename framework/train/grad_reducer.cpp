#include "train/grad_reducer.hpp"

#include <algorithm>
#include <cstring>
#include <utility>

namespace chimera {

namespace {

using clock = std::chrono::steady_clock;

double seconds_since(clock::time_point t) { return std::chrono::duration<double>(clock::now() - t).count(); }

}  // namespace

ReduceTiming operator+(const ReduceTiming& a, const ReduceTiming& b) {
    return {a.exposed_seconds + b.exposed_seconds, a.call_seconds + b.call_seconds, a.bytes + b.bytes,
            a.bytes_started_in_backward + b.bytes_started_in_backward};
}

ReduceTiming operator-(const ReduceTiming& a, const ReduceTiming& b) {
    return {a.exposed_seconds - b.exposed_seconds, a.call_seconds - b.call_seconds, a.bytes - b.bytes,
            a.bytes_started_in_backward - b.bytes_started_in_backward};
}

GradReducer::GradReducer(Context& ctx, Communicator& comm, const std::vector<Tensor>& params)
    : ctx_(ctx), comm_(comm), params_(params) {
    // A tensor of half a bucket or more travels alone, summed where it lies; smaller ones gather
    // in a shared bucket, copied, placed in the plan where it fills (or at the end).
    Bucket small;
    auto emit = [&](Bucket& b) {
        for (std::size_t i : b.params) bucket_of_[params_[i].impl()] = buckets_.size();
        buckets_.push_back(std::exchange(b, Bucket{}));
    };
    for (std::size_t i = params_.size(); i-- > 0;) {
        const int64_t floats = params_[i].numel();
        Bucket alone;
        Bucket& b = floats * 4 >= bucket_bytes / 2 ? alone : small;
        b.params.push_back(i);
        b.floats += floats;
        if (&b == &alone || small.floats * 4 >= bucket_bytes) emit(b);
    }
    if (!small.params.empty()) emit(small);
    for (Bucket& b : buckets_)
        if (b.params.size() > 1) b.flat.resize(static_cast<std::size_t>(b.floats));
}

BackwardHooks GradReducer::hooks() {
    for (Bucket& b : buckets_) b.waiting = b.params.size();
    next_ = 0;
    absent_.clear();
    in_backward_ = true;
    finished_ = false;
    BackwardHooks h;
    h.leaf_done = [this](const TensorImpl& leaf) { ready(leaf); };
    h.entry_done = [this] {
        if (next_ == 0) return;  // nothing in flight yet
        const auto t = clock::now();
        comm_.progress();
        timing_.call_seconds += seconds_since(t);
    };
    return h;
}

void GradReducer::ready(const TensorImpl& leaf) {
    auto it = bucket_of_.find(&leaf);
    if (it == bucket_of_.end()) return;  // not this phase's (an input that requires grad)
    --buckets_[it->second].waiting;
    start_ready_buckets();
}

void GradReducer::start_ready_buckets() {
    while (next_ < buckets_.size() && buckets_[next_].waiting == 0) start(buckets_[next_++]);
}

// The parameter's gradient; zeros when backward gave it none (a branch no loss of the phase
// reads, or an entry whose gradient was not needed), summed like any other.
Tensor GradReducer::gradient(std::size_t param) {
    Tensor& p = params_[param];
    if (!p.grad().defined()) {
        p.impl()->grad = ctx_.zeros(DType::f32, p.shape()).shared();
        absent_.push_back(param);
    }
    return p.grad();
}

void GradReducer::start(Bucket& b) {
    const auto t = clock::now();
    if (b.params.size() == 1) {
        comm_.start_sum(gradient(b.params[0]).data<float>(), b.floats);
    } else {
        float* at = b.flat.data();
        for (std::size_t i : b.params) {
            const Tensor g = gradient(i);
            std::memcpy(at, g.data<float>(), static_cast<std::size_t>(g.numel()) * 4);
            at += g.numel();
        }
        comm_.start_sum(b.flat.data(), b.floats);
    }
    timing_.bytes += b.floats * 4;
    if (in_backward_) {
        timing_.bytes_started_in_backward += b.floats * 4;
        timing_.call_seconds += seconds_since(t);
    }
}

void GradReducer::finish() {
    in_backward_ = false;
    const auto t = clock::now();
    for (Bucket& b : buckets_) b.waiting = 0;
    start_ready_buckets();
    comm_.wait_all();
    for (Bucket& b : buckets_) {
        if (b.params.size() == 1) continue;
        const float* at = b.flat.data();
        for (std::size_t i : b.params) {
            Tensor g = params_[i].grad();
            std::memcpy(g.data<float>(), at, static_cast<std::size_t>(g.numel()) * 4);
            at += g.numel();
        }
    }
    // A parameter without a gradient here has none on every rank (they run the same tape), and
    // one process would have left it without: the optimizer skips it. (Were a backward to leave
    // a gradient out on some ranks only, the sum of the others would be kept.)
    for (std::size_t i : absent_) {
        const Tensor g = params_[i].grad();
        const float* v = g.data<float>();
        if (std::all_of(v, v + g.numel(), [](float x) { return x == 0.0f; })) params_[i].zero_grad();
    }
    finished_ = true;
    timing_.exposed_seconds += seconds_since(t);
}

}  // namespace chimera
