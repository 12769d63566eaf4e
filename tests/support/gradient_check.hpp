// The one finite-difference gradient checker every op, loss and differentiable plugin is tested
// with. It compares the tape's gradients of L = sum(f(inputs) * W), for a fixed random W, with
// central differences (L(x + eps) - L(x - eps)) / 2 eps, element by element.
#pragma once

#include "autograd/context.hpp"
#include "tensor/tensor.hpp"

#include <functional>
#include <string>
#include <vector>

namespace chimera::test {

struct Tolerance {
    double abs;  // |analytic - numeric| <= abs + rel * max(|analytic|, |numeric|)
    double rel;
    double eps;  // finite-difference step
};

// Typical tolerance for smooth float32 ops of unit-scale inputs.
constexpr Tolerance smooth{5e-3, 1e-2, 1e-2};

using Function = std::function<Tensor(Context&, const std::vector<Tensor>&)>;

// Checks every float32 input whose `differentiable` flag is set (all when empty). Returns ""
// when all match, else a description of the worst mismatches. The random state is restored
// before every evaluation, so functions that draw random numbers are checked too.
std::string check_gradients(Context& ctx, const Function& f, const std::vector<Tensor>& inputs,
                            Tolerance tol, std::vector<bool> differentiable = {});

// The same recipe for a module's own parameters `params` (which check_gradients cannot reach: it
// differentiates with respect to copies), f computing the module's output from fixed inputs.
std::string check_parameter_gradients(Context& ctx, const std::function<Tensor()>& f, const std::vector<Tensor>& params,
                                      Tolerance tol);

// A float32 tensor of values drawn uniformly from [lo, hi], reproducibly from `seed`.
Tensor random_tensor(Context& ctx, const Shape& shape, uint64_t seed, float lo = -1, float hi = 1);
// The same, with every value at least `margin` away from zero (for kinks like relu and abs).
Tensor random_away_from_zero(Context& ctx, const Shape& shape, uint64_t seed, float margin = 0.1f);
// A tensor holding `values`, shaped `shape`.
Tensor tensor_of(Context& ctx, const Shape& shape, const std::vector<float>& values);
std::vector<float> values_of(const Tensor& t);

}  // namespace chimera::test
