// Gradient clipping by global norm, as PyTorch's clip_grad_norm_: one L2 norm over every
// parameter's gradient, and all gradients scaled together when it exceeds the limit.
// Host-side and serial, so the norm is the same bit for bit on every run. Not per-parameter
// clipping nor clipping by value.
#pragma once

#include "tensor/tensor.hpp"

#include <vector>

namespace chimera {

// The L2 norm of all the f32 gradients of `params` together, summed in double in the order
// given (parameters, then elements); parameters without a gradient are skipped, so are empty
// handles. List each parameter once. When max_norm > 0 and the norm is finite and above
// max_norm, every gradient is multiplied in place by max_norm / (norm + 1e-6). Returns the
// norm before clipping; a non-finite norm is returned and nothing is scaled.
double clip_grad_norm(const std::vector<Tensor>& params, double max_norm);

}  // namespace chimera
