#include "evaluate/linear_probe.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace chimera {

namespace {

void check(const ProbeData& d, int64_t classes, const char* which) {
    if (d.size() == 0 || d.dim <= 0 || static_cast<int64_t>(d.features.size()) != d.size() * d.dim)
        throw std::invalid_argument(std::string("linear probe: the ") + which + " features are empty or not [n, dim]");
    for (int32_t y : d.labels)
        if (y < 0 || y >= classes)
            throw std::invalid_argument(std::string("linear probe: a ") + which + " label " + std::to_string(y) + " is not a class 0.." +
                                        std::to_string(classes - 1));
}

// Logits of row i: W x_i + b, for standardised x.
void logits(const std::vector<double>& w, const std::vector<double>& b, const double* x, int64_t dim, int64_t classes, double* out) {
    for (int64_t c = 0; c < classes; ++c) {
        double s = b[static_cast<std::size_t>(c)];
        for (int64_t d = 0; d < dim; ++d) s += w[static_cast<std::size_t>(c * dim + d)] * x[d];
        out[c] = s;
    }
}

}  // namespace

ProbeResult linear_probe(const ProbeData& train, const ProbeData& test, int64_t classes, int iterations, double l2) {
    check(train, classes, "training");
    check(test, classes, "test");
    if (test.dim != train.dim) throw std::invalid_argument("linear probe: training and test features differ in width");
    const int64_t n = train.size(), dim = train.dim;
    std::vector<double> mean(static_cast<std::size_t>(dim), 0.0), scale(static_cast<std::size_t>(dim), 0.0);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t d = 0; d < dim; ++d) mean[d] += train.features[static_cast<std::size_t>(i * dim + d)] / static_cast<double>(n);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t d = 0; d < dim; ++d) {
            const double v = train.features[static_cast<std::size_t>(i * dim + d)] - mean[d];
            scale[d] += v * v / static_cast<double>(n);
        }
    for (double& s : scale) s = s > 1e-12 ? 1.0 / std::sqrt(s) : 0.0;
    auto standardise = [&](const ProbeData& data) {
        std::vector<double> x(data.features.size());
        for (int64_t i = 0; i < data.size(); ++i)
            for (int64_t d = 0; d < dim; ++d)
                x[static_cast<std::size_t>(i * dim + d)] = (data.features[static_cast<std::size_t>(i * dim + d)] - mean[d]) * scale[d];
        return x;
    };
    const std::vector<double> x = standardise(train), xt = standardise(test);

    std::vector<double> w(static_cast<std::size_t>(classes * dim), 0.0), b(static_cast<std::size_t>(classes), 0.0);
    std::vector<double> vw(w.size(), 0.0), vb(b.size(), 0.0), gw(w.size()), gb(b.size()), z(static_cast<std::size_t>(classes));
    // Standardised features keep the curvature of the mean cross-entropy below ~dim/2: a step of
    // 1 with momentum 0.9 is stable for the widths latents have, and converges in a few hundred.
    const double lr = std::min(1.0, 4.0 / static_cast<double>(dim)), momentum = 0.9;
    for (int it = 0; it < iterations; ++it) {
        std::fill(gw.begin(), gw.end(), 0.0);
        std::fill(gb.begin(), gb.end(), 0.0);
        for (int64_t i = 0; i < n; ++i) {
            const double* xi = x.data() + i * dim;
            logits(w, b, xi, dim, classes, z.data());
            const double top = *std::max_element(z.begin(), z.end());
            double sum = 0;
            for (double& v : z) sum += v = std::exp(v - top);
            for (int64_t c = 0; c < classes; ++c) {
                const double g = (z[c] / sum - (c == train.labels[static_cast<std::size_t>(i)] ? 1.0 : 0.0)) / static_cast<double>(n);
                gb[c] += g;
                for (int64_t d = 0; d < dim; ++d) gw[static_cast<std::size_t>(c * dim + d)] += g * xi[d];
            }
        }
        for (std::size_t k = 0; k < w.size(); ++k) {
            vw[k] = momentum * vw[k] - lr * (gw[k] + l2 * w[k]);
            w[k] += vw[k];
        }
        for (std::size_t k = 0; k < b.size(); ++k) {
            vb[k] = momentum * vb[k] - lr * gb[k];
            b[k] += vb[k];
        }
    }
    auto accuracy = [&](const std::vector<double>& features, const ProbeData& data) {
        int64_t right = 0;
        for (int64_t i = 0; i < data.size(); ++i) {
            logits(w, b, features.data() + i * dim, dim, classes, z.data());
            right += std::max_element(z.begin(), z.end()) - z.begin() == data.labels[static_cast<std::size_t>(i)];
        }
        return static_cast<double>(right) / static_cast<double>(data.size());
    };
    return {accuracy(x, train), accuracy(xt, test)};
}

}  // namespace chimera
