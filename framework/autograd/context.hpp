// What an op runs in: the device (engine, stream, pool, caches, random state) and the autograd
// state on top of it: the tape ops record on, the named parameters, and the two modes every op
// consults, gradient recording and training (dropout, batch norm). One per run, passed down
// explicitly. The modes are changed through the scopes of autograd/modes.hpp.
#pragma once

#include "autograd/parameter_store.hpp"
#include "autograd/tape.hpp"
#include "runtime/device.hpp"

namespace chimera {

class Context {
public:
    // `threads` 0 means every core; `seed` starts the device's random state.
    explicit Context(int threads = 0, uint64_t seed = 0) : device_(threads, seed), parameters_(device_) {}
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    Device& device() { return device_; }
    const Device& device() const { return device_; }
    Tape& tape() { return tape_; }
    ParameterStore& parameters() { return parameters_; }
    const ParameterStore& parameters() const { return parameters_; }

    // A new tensor from the device's pool: what every op does first.
    Tensor empty(DType dtype, Shape shape) { return device_.empty(dtype, std::move(shape)); }
    Tensor zeros(DType dtype, Shape shape) { return device_.zeros(dtype, std::move(shape)); }

    // Gradient recording (on by default). Ops record on the tape only while it is on.
    bool grad_enabled() const { return grad_enabled_; }
    void set_grad_enabled(bool on) { grad_enabled_ = on; }

    // Training (on) or evaluating and generating (off): what dropout and batch norm consult.
    bool training() const { return training_; }
    void set_training(bool on) { training_ = on; }

private:
    Device device_;
    Tape tape_;
    ParameterStore parameters_;
    bool grad_enabled_ = true;
    bool training_ = true;
};

}  // namespace chimera
