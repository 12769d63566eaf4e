// Part of the C++ wrapper (include <chimera/chimera.hpp>): what every loss writes by hand, once —
// the `reduction` option with its maths, and the optional per-example "mask" input. Helpers
// over chimera::ops only: they add no ABI and no state.
#ifndef CHIMERA_CPP_REDUCTION_HPP
#define CHIMERA_CPP_REDUCTION_HPP

#include <chimera/cpp/components.hpp>

namespace chimera {

// Reductions of elementwise losses [N, ...] to the scalar "loss":
//   batch_sum  sum over each example's elements, mean over the batch (a VAE's nats per image)
//   mean       mean over every element
//   sum        sum of every element
// With a mask [N] (1 keeps example i, 0 drops it), dropped examples add nothing, and batch_sum
// and mean still divide by the whole batch, so a term's weight is its share of the batch.
namespace reduction {

// The option to declare: Param "reduction" with default `def` and the three choices.
inline Param param(const char* def) {
    return Param::string("reduction", def, "batch_sum (sum per example, mean over the batch), mean or sum")
        .choices({"batch_sum", "mean", "sum"});
}

// The optional input "mask" of `in`, checked to be float32 [n]; an empty Tensor when absent.
// `loss` names the component in the error.
inline Tensor mask(const Inputs& in, int64_t n, const std::string& loss) {
    if (!in.has("mask")) return Tensor();
    Tensor m = in["mask"];
    if (m.dtype() != CHM_DTYPE_F32 || m.shape() != std::vector<int64_t>{n}) {
        std::string shape;
        for (int64_t d : m.shape()) shape += (shape.empty() ? "" : ", ") + std::to_string(d);
        throw Error(loss + ": mask must be float32 [" + std::to_string(n) + "], one per example, not [" + shape + "]",
                    CHM_ERR_INVALID_ARGUMENT);
    }
    return m;
}

// `elements` [N, ...] reduced as `how` ("batch_sum", "mean" or "sum") says, without the examples
// `mask` (may be empty) zeroes.
inline Tensor apply(const Tensor& elements, const std::string& how, const Tensor& mask = Tensor()) {
    if (how != "batch_sum" && how != "mean" && how != "sum")
        throw Error("reduction '" + how + "' is not batch_sum, mean or sum", CHM_ERR_INVALID_ARGUMENT);
    if (!mask.defined()) {
        if (how == "mean") return ops::mean(elements);
        Tensor total = ops::sum(elements);
        if (how == "sum") return total;
        return ops::mul_scalar(total, 1.0 / static_cast<double>(elements.dim(0)));
    }
    std::vector<int> rest;
    for (int a = 1; a < static_cast<int>(elements.rank()); ++a) rest.push_back(a);
    Tensor per_example = rest.empty() ? elements : ops::sum(elements, rest);
    Tensor total = ops::sum(ops::mul(per_example, mask));
    if (how == "sum") return total;
    const double n = static_cast<double>(elements.dim(0));
    return ops::mul_scalar(total, how == "mean" ? 1.0 / static_cast<double>(elements.numel()) : 1.0 / n);
}

}  // namespace reduction
}  // namespace chimera

#endif  // CHIMERA_CPP_REDUCTION_HPP
