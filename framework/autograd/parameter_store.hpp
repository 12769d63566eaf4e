// The run's trainable parameters by full name ("encoder.fc1.weight"), in creation order, so
// optimizers, checkpoints and summaries can find them. Also the one place parameters are made:
// shaped, initialised from the seed and the name, and marked as requiring gradients.
#pragma once

#include "tensor/tensor.hpp"

#include <chimera/abi.h>

#include <string>
#include <vector>

namespace chimera {

class Device;

class ParameterStore {
public:
    // Parameters are made on `device`, from its memory and initialised from its seed.
    explicit ParameterStore(Device& device) : device_(device) {}
    ParameterStore(const ParameterStore&) = delete;
    ParameterStore& operator=(const ParameterStore&) = delete;

    // Makes, initialises and registers a parameter. Throws HostError for a duplicate name or an
    // unknown initialiser.
    Tensor create(const std::string& name, Shape shape, chm_init init, double a, double b);
    // Makes, initialises and registers a buffer: state saved with the parameters but never
    // trained (running statistics). Names share one space with parameters.
    Tensor create_buffer(const std::string& name, Shape shape, chm_init init, double a, double b);
    const std::vector<Tensor>& buffers() const { return buffers_; }
    // The parameter called `name`, or an undefined Tensor.
    Tensor find(const std::string& name) const;
    const std::vector<Tensor>& all() const { return params_; }
    // What `t` is here, by identity: the very tensor registered (or a copy of its handle), not a
    // reshaped view nor equal data. Its name is then t.name().
    enum class Role { none, parameter, buffer };
    Role role_of(const Tensor& t) const;
    // Every parameter whose name starts with `prefix` followed by '.', in creation order.
    std::vector<Tensor> under(const std::string& prefix) const;
    int64_t count_elements() const;
    // Forgets every parameter under `prefix` (e.g. those of an instance whose create failed).
    void remove_under(const std::string& prefix);
    void zero_grad();

private:
    Tensor make(const std::string& name, Shape shape, chm_init init, double a, double b);

    Device& device_;

    std::vector<Tensor> params_;
    std::vector<Tensor> buffers_;
};

// Fills `t` per `init` (CHM_INIT_*) from a random stream keyed by `seed` and `name`.
void initialise(Tensor& t, chm_init init, double a, double b, uint64_t seed, const std::string& name);

}  // namespace chimera
