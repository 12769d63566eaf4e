// Global-norm gradient clipping (see grad_clip.hpp): one serial pass to sum squares in double,
// one to scale. Not parallel on purpose: the order of the sum fixes its bits.
#include "train/grad_clip.hpp"

#include "core/host_error.hpp"

#include <cmath>

namespace chimera {

double clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
    std::vector<Tensor> grads;
    grads.reserve(params.size());
    for (const auto& p : params) {
        if (!p.defined()) continue;
        Tensor g = p.grad();
        if (!g.defined()) continue;
        if (g.dtype() != DType::f32)
            throw HostError("clip_grad_norm: the gradient of '" + p.name() + "' is " + describe(g) +
                            ", expected f32");
        grads.push_back(g);
    }

    // One running sum in a fixed order: the same bits on every run, whatever the thread count.
    double sum = 0.0;
    for (const auto& g : grads) {
        const float* x = g.data<float>();
        for (int64_t i = 0, n = g.numel(); i < n; ++i) sum += static_cast<double>(x[i]) * x[i];
    }
    const double norm = std::sqrt(sum);
    if (!(max_norm > 0) || !std::isfinite(norm) || norm <= max_norm) return norm;

    const double scale = max_norm / (norm + 1e-6);
    for (const auto& g : grads) {
        float* x = g.data<float>();
        for (int64_t i = 0, n = g.numel(); i < n; ++i) x[i] = static_cast<float>(x[i] * scale);
    }
    return norm;
}

}  // namespace chimera
