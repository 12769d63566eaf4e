#include "autograd/parameter_store.hpp"

#include "runtime/device.hpp"
#include "runtime/philox.hpp"
#include "tensor/shape_error.hpp"

#include <algorithm>
#include <cmath>

namespace chimera {

namespace {

// FNV-1a: a name's hash must be the same on every platform and run, unlike std::hash.
uint64_t stable_hash(const std::string& text) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
    return h;
}

struct Fans {
    double in, out;
};

// PyTorch's convention: [d0, d1, k...] has fan_in = d1 * prod(k), fan_out = d0 * prod(k).
Fans fans(const Shape& s) {
    if (s.size() < 2) throw ShapeError("initialiser: fans need a shape of rank >= 2, got " + shape_text(s));
    double receptive = 1;
    for (std::size_t i = 2; i < s.size(); ++i) receptive *= static_cast<double>(s[i]);
    return {static_cast<double>(s[1]) * receptive, static_cast<double>(s[0]) * receptive};
}

void uniform(float* p, int64_t n, PhiloxKey key, double lo, double hi) {
    philox_uniform(key, p, n);
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<float>(lo + (hi - lo) * p[i]);
}

void normal(float* p, int64_t n, PhiloxKey key, double mean, double std) {
    philox_normal(key, p, n);
    for (int64_t i = 0; i < n; ++i) p[i] = static_cast<float>(mean + std * p[i]);
}

}  // namespace

void initialise(Tensor& t, chm_init init, double a, double b, uint64_t seed, const std::string& name) {
    float* p = t.data<float>();
    const int64_t n = t.numel();
    PhiloxKey key = philox_key(seed, stable_hash(name));
    switch (init) {
    case CHM_INIT_ZEROS: std::fill(p, p + n, 0.0f); return;
    case CHM_INIT_CONSTANT: std::fill(p, p + n, static_cast<float>(a)); return;
    case CHM_INIT_UNIFORM: uniform(p, n, key, a, b); return;
    case CHM_INIT_NORMAL: normal(p, n, key, a, b); return;
    case CHM_INIT_XAVIER_UNIFORM: {
        Fans f = fans(t.shape());
        double r = a * std::sqrt(6.0 / (f.in + f.out));
        uniform(p, n, key, -r, r);
        return;
    }
    case CHM_INIT_XAVIER_NORMAL: {
        Fans f = fans(t.shape());
        normal(p, n, key, 0.0, a * std::sqrt(2.0 / (f.in + f.out)));
        return;
    }
    case CHM_INIT_KAIMING_UNIFORM: {
        double r = std::sqrt(6.0 / ((1 + a * a) * fans(t.shape()).in));
        uniform(p, n, key, -r, r);
        return;
    }
    case CHM_INIT_KAIMING_NORMAL:
        normal(p, n, key, 0.0, std::sqrt(2.0 / ((1 + a * a) * fans(t.shape()).in)));
        return;
    default:
        throw ShapeError("parameter '" + name + "': unknown initialiser code " + std::to_string(init));
    }
}

Tensor ParameterStore::make(const std::string& name, Shape shape, chm_init init, double a, double b) {
    if (find(name).defined()) throw ShapeError("parameter or buffer '" + name + "' is created twice");
    Tensor t = device_.empty(DType::f32, std::move(shape));
    initialise(t, init, a, b, device_.seed(), name);
    t.impl()->name = name;
    return t;
}

Tensor ParameterStore::create(const std::string& name, Shape shape, chm_init init, double a, double b) {
    Tensor t = make(name, std::move(shape), init, a, b);
    t.impl()->requires_grad = true;
    params_.push_back(t);
    return t;
}

Tensor ParameterStore::create_buffer(const std::string& name, Shape shape, chm_init init, double a, double b) {
    Tensor t = make(name, std::move(shape), init, a, b);
    buffers_.push_back(t);
    return t;
}

Tensor ParameterStore::find(const std::string& name) const {
    for (const auto* list : {&params_, &buffers_})
        for (const auto& p : *list)
            if (p.name() == name) return p;
    return Tensor();
}

ParameterStore::Role ParameterStore::role_of(const Tensor& t) const {
    if (!t.defined()) return Role::none;
    for (const auto& p : params_)
        if (p.same(t)) return Role::parameter;
    for (const auto& b : buffers_)
        if (b.same(t)) return Role::buffer;
    return Role::none;
}

std::vector<Tensor> ParameterStore::under(const std::string& prefix) const {
    std::vector<Tensor> out;
    for (const auto& p : params_)
        if (p.name().rfind(prefix + ".", 0) == 0) out.push_back(p);
    return out;
}

int64_t ParameterStore::count_elements() const {
    int64_t n = 0;
    for (const auto& p : params_) n += p.numel();
    return n;
}

void ParameterStore::remove_under(const std::string& prefix) {
    for (auto* list : {&params_, &buffers_})
        list->erase(std::remove_if(list->begin(), list->end(),
                                   [&](const Tensor& p) { return p.name().rfind(prefix + ".", 0) == 0; }),
                    list->end());
}

void ParameterStore::zero_grad() {
    for (auto& p : params_) p.zero_grad();
}

}  // namespace chimera
