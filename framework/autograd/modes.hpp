// The modes a computation runs in, as scopes that put back what they found: no gradient
// recording (NoGradGuard), evaluation (EvalMode: no gradients, training flag off), and
// evaluation on repeatable random numbers (EvalScope). Not the flags themselves (context.hpp).
#pragma once

#include "autograd/context.hpp"

#include <optional>

namespace chimera {

// Gradient recording off for the scope: `NoGradGuard guard(ctx);`.
class NoGradGuard {
public:
    explicit NoGradGuard(Context& ctx) : ctx_(ctx), previous_(ctx.grad_enabled()) { ctx.set_grad_enabled(false); }
    ~NoGradGuard() { ctx_.set_grad_enabled(previous_); }
    NoGradGuard(const NoGradGuard&) = delete;
    NoGradGuard& operator=(const NoGradGuard&) = delete;

private:
    Context& ctx_;
    bool previous_;
};

// Evaluation mode (no gradients, training flag off) for a scope. Random numbers go on from where
// they are: consecutive scopes draw anew.
class EvalMode {
public:
    explicit EvalMode(Context& ctx) : ctx_(ctx), grad_(ctx.grad_enabled()), training_(ctx.training()) {
        ctx.set_grad_enabled(false);
        ctx.set_training(false);
    }
    ~EvalMode() {
        ctx_.set_grad_enabled(grad_);
        ctx_.set_training(training_);
    }
    EvalMode(const EvalMode&) = delete;
    EvalMode& operator=(const EvalMode&) = delete;

private:
    Context& ctx_;
    bool grad_, training_;
};

// EvalMode that also restores the random state on exit. With `reseed`, random numbers inside
// come from stream 0 of that seed, so the same seed gives the same samples.
class EvalScope {
public:
    explicit EvalScope(Context& ctx, std::optional<uint64_t> reseed = std::nullopt)
        : device_(ctx.device()), seed_(device_.seed()), streams_(device_.streams_used()), mode_(ctx) {
        if (reseed) device_.set_random_state(*reseed, 0);
    }
    ~EvalScope() { device_.set_random_state(seed_, streams_); }
    EvalScope(const EvalScope&) = delete;
    EvalScope& operator=(const EvalScope&) = delete;

private:
    Device& device_;
    uint64_t seed_, streams_;
    EvalMode mode_;
};

}  // namespace chimera
