#include "support/gradient_check.hpp"

#include "autograd/parameter_store.hpp"
#include "autograd/graph.hpp"
#include "autograd/modes.hpp"
#include "runtime/philox.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace chimera::test {

Tensor random_tensor(Context& ctx, const Shape& shape, uint64_t seed, float lo, float hi) {
    Tensor t = ctx.empty(DType::f32, shape);
    philox_uniform(philox_key(seed, 0xC0FFEE), t.data<float>(), t.numel());
    float* p = t.data<float>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = lo + (hi - lo) * p[i];
    return t;
}

Tensor random_away_from_zero(Context& ctx, const Shape& shape, uint64_t seed, float margin) {
    Tensor t = random_tensor(ctx, shape, seed);
    float* p = t.data<float>();
    for (int64_t i = 0; i < t.numel(); ++i) p[i] = std::copysign(margin + std::fabs(p[i]), p[i]);
    return t;
}

Tensor tensor_of(Context& ctx, const Shape& shape, const std::vector<float>& values) {
    Tensor t = ctx.empty(DType::f32, shape);
    if (static_cast<int64_t>(values.size()) != t.numel())
        throw std::logic_error("tensor_of: " + std::to_string(values.size()) + " values for " +
                               shape_text(shape));
    std::copy(values.begin(), values.end(), t.data<float>());
    return t;
}

std::vector<float> values_of(const Tensor& t) {
    return std::vector<float>(t.data<float>(), t.data<float>() + t.numel());
}

namespace {

double projected(const Tensor& y, const Tensor& w) {
    double sum = 0;
    for (int64_t i = 0; i < y.numel(); ++i) sum += double(y.data<float>()[i]) * w.data<float>()[i];
    return sum;
}

// Leaf copies of the inputs, so the checker's gradients start clean.
std::vector<Tensor> leaves(Context& ctx, const std::vector<Tensor>& inputs, const std::vector<bool>& diff) {
    std::vector<Tensor> out;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
        if (!inputs[i].defined()) {
            out.push_back(Tensor());
            continue;
        }
        Tensor copy = ctx.empty(inputs[i].dtype(), inputs[i].shape());
        std::copy_n(static_cast<const char*>(inputs[i].raw()), inputs[i].numel() * 4,
                    static_cast<char*>(copy.raw()));
        copy.set_requires_grad(diff[i]);
        out.push_back(copy);
    }
    return out;
}

}  // namespace

std::string check_gradients(Context& ctx, const Function& f, const std::vector<Tensor>& inputs,
                            Tolerance tol, std::vector<bool> differentiable) {
    if (differentiable.empty())
        for (const auto& t : inputs) differentiable.push_back(t.defined() && t.dtype() == DType::f32);
    const uint64_t seed = ctx.device().seed(), streams = ctx.device().streams_used();
    std::vector<Tensor> x = leaves(ctx, inputs, differentiable);

    ctx.tape().clear();
    Tensor y = f(ctx, x);
    Tensor w = random_tensor(ctx, y.shape(), 7);
    backward_seeded(ctx, {y}, {w});

    std::ostringstream report;
    int failures = 0;
    NoGradGuard no_grad(ctx);
    for (std::size_t k = 0; k < x.size(); ++k) {
        if (!differentiable[k]) continue;
        Tensor analytic = x[k].grad();
        float* p = x[k].data<float>();
        for (int64_t j = 0; j < x[k].numel(); ++j) {
            const float saved = p[j];
            p[j] = saved + static_cast<float>(tol.eps);
            ctx.device().set_random_state(seed, streams);
            double up = projected(f(ctx, x), w);
            p[j] = saved - static_cast<float>(tol.eps);
            ctx.device().set_random_state(seed, streams);
            double down = projected(f(ctx, x), w);
            p[j] = saved;
            double numeric = (up - down) / (2 * tol.eps);
            double a = analytic.defined() ? analytic.data<float>()[j] : 0.0;
            double allowed = tol.abs + tol.rel * std::max(std::fabs(a), std::fabs(numeric));
            if (std::fabs(a - numeric) > allowed && ++failures <= 5)
                report << "input " << k << " element " << j << ": analytic " << a << ", numeric "
                       << numeric << "\n";
        }
    }
    ctx.device().set_random_state(seed, streams);
    if (failures) report << failures << " mismatched elements";
    return report.str();
}

std::string check_parameter_gradients(Context& ctx, const std::function<Tensor()>& f, const std::vector<Tensor>& params,
                                      Tolerance tol) {
    const uint64_t seed = ctx.device().seed(), streams = ctx.device().streams_used();
    ctx.parameters().zero_grad();
    ctx.tape().clear();
    Tensor y = f();
    Tensor w = random_tensor(ctx, y.shape(), 7);
    backward_seeded(ctx, {y}, {w});
    auto projected = [&] {
        ctx.device().set_random_state(seed, streams);
        Tensor v = f();
        double sum = 0;
        for (int64_t i = 0; i < v.numel(); ++i) sum += double(v.data<float>()[i]) * w.data<float>()[i];
        return sum;
    };
    std::ostringstream report;
    int failures = 0;
    NoGradGuard no_grad(ctx);
    for (const Tensor& p : params) {
        Tensor analytic = p.grad();
        float* v = p.data<float>();
        for (int64_t j = 0; j < p.numel(); ++j) {
            const float saved = v[j];
            v[j] = saved + float(tol.eps);
            double up = projected();
            v[j] = saved - float(tol.eps);
            double down = projected();
            v[j] = saved;
            double numeric = (up - down) / (2 * tol.eps), a = analytic.defined() ? analytic.data<float>()[j] : 0.0;
            if (std::fabs(a - numeric) > tol.abs + tol.rel * std::max(std::fabs(a), std::fabs(numeric)) &&
                ++failures <= 5)
                report << p.name() << " element " << j << ": analytic " << a << ", numeric " << numeric << "\n";
        }
    }
    ctx.device().set_random_state(seed, streams);
    if (failures) report << failures << " mismatched elements";
    return report.str();
}


}  // namespace chimera::test
