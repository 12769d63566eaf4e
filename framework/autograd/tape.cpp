#include "autograd/tape.hpp"

#include "runtime/context.hpp"
#include "tensor/shape_error.hpp"

#include <unordered_map>

namespace chimera {

namespace {

Tensor filled(Context& ctx, const Shape& shape, float value) {
    Tensor t = ctx.empty(DType::f32, shape);
    float* p = t.data<float>();
    for (int64_t i = 0, n = t.numel(); i < n; ++i) p[i] = value;
    return t;
}

// Adds g into the gradient slot for `target`: the leaf's own grad, or the pending map.
void deliver(Context& ctx, const Tensor& target, const Tensor& g,
             std::unordered_map<TensorImpl*, Tensor>& pending) {
    if (!target.defined() || !target.requires_grad() || !g.defined()) return;
    if (g.shape() != target.shape())
        throw ShapeError("backward: gradient " + describe(g) + " does not match its tensor " +
                         describe(target) + " (a bug in an op's backward)");
    TensorImpl* impl = target.impl();
    if (impl->is_leaf) {
        if (!impl->grad) {
            Tensor fresh = ctx.empty(DType::f32, target.shape());
            std::copy(g.data<float>(), g.data<float>() + g.numel(), fresh.data<float>());
            impl->grad = fresh.shared();
        } else {
            Tensor acc(impl->grad);
            accumulate(acc, g);
        }
        return;
    }
    auto it = pending.find(impl);
    if (it == pending.end()) {
        Tensor copy = ctx.empty(DType::f32, g.shape());
        std::copy(g.data<float>(), g.data<float>() + g.numel(), copy.data<float>());
        pending.emplace(impl, copy);
    } else {
        accumulate(it->second, g);
    }
}

}  // namespace

void Tape::backward(Context& ctx, const std::vector<Tensor>& roots, const std::vector<double>& weights) {
    if (roots.size() != weights.size())
        throw std::logic_error("backward: roots and weights differ in number");
    std::vector<Tensor> seeds;
    for (std::size_t i = 0; i < roots.size(); ++i)
        seeds.push_back(filled(ctx, roots[i].shape(), static_cast<float>(weights[i])));
    backward_seeded(ctx, roots, seeds);
}

void Tape::backward_seeded(Context& ctx, const std::vector<Tensor>& roots,
                           const std::vector<Tensor>& seeds) {
    NoGradGuard no_grad(ctx);
    std::unordered_map<TensorImpl*, Tensor> pending;
    for (std::size_t i = 0; i < roots.size(); ++i) {
        if (roots[i].dtype() != DType::f32)
            throw ShapeError("backward: root " + describe(roots[i]) + " is not float32");
        deliver(ctx, roots[i], seeds.at(i), pending);
    }
    for (auto entry = entries_.rbegin(); entry != entries_.rend(); ++entry) {
        std::vector<Tensor> grad_outputs;
        bool any = false;
        for (std::size_t o = 0; o < entry->outputs.size(); ++o) {
            auto alive = entry->outputs[o].lock();
            auto it = alive ? pending.find(alive.get()) : pending.end();
            if (it != pending.end()) {
                grad_outputs.push_back(it->second);
                pending.erase(it);
                any = true;
            } else {
                grad_outputs.push_back(filled(ctx, entry->output_shapes[o], 0.0f));
            }
        }
        if (!any) continue;
        std::vector<Tensor> grad_inputs = entry->backward(ctx, grad_outputs);
        for (std::size_t i = 0; i < entry->inputs.size() && i < grad_inputs.size(); ++i)
            deliver(ctx, entry->inputs[i], grad_inputs[i], pending);
    }
    entries_.clear();
}

bool needs_grad(const Context& ctx, const std::vector<Tensor>& inputs) {
    if (!ctx.grad_enabled()) return false;
    for (const auto& t : inputs)
        if (t.defined() && t.requires_grad()) return true;
    return false;
}

void record_op(Context& ctx, const std::string& op, std::vector<Tensor> inputs,
               const std::vector<Tensor>& outputs, BackwardFn backward) {
    TapeEntry entry;
    entry.op = op;
    entry.inputs = std::move(inputs);
    for (const auto& out : outputs) {
        out.impl()->requires_grad = out.dtype() == DType::f32;
        out.impl()->is_leaf = false;
        entry.outputs.push_back(out.shared());
        entry.output_shapes.push_back(out.shape());
    }
    entry.backward = std::move(backward);
    ctx.tape().record(std::move(entry));
}

void accumulate(Tensor& acc, const Tensor& g) {
    float* a = acc.data<float>();
    const float* b = g.data<float>();
    const int64_t n = acc.numel();
#pragma omp parallel for simd schedule(static) if (n > 32768)
    for (int64_t i = 0; i < n; ++i) a[i] += b[i];
}

}  // namespace chimera
