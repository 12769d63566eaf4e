#include "autograd/graph.hpp"

#include "autograd/modes.hpp"
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

Tensor copy_of(Context& ctx, const Tensor& t) {
    Tensor copy = ctx.empty(DType::f32, t.shape());
    std::copy(t.data<float>(), t.data<float>() + t.numel(), copy.data<float>());
    return copy;
}

// Gradients waiting for the op that produced their tensor, by tape id.
using PendingMap = std::unordered_map<uint64_t, Tensor>;

TapeInput tape_input(const Tensor& t) {
    TapeInput in;
    if (!t.defined() || !t.requires_grad()) return in;
    in.shape = t.shape();
    if (t.impl()->is_leaf) in.leaf = t.shared();
    else in.id = t.impl()->tape_id;
    return in;
}

// Adds g into the gradient slot for `target`: the leaf's own grad, or the pending map.
void deliver(Context& ctx, const TapeInput& target, const Tensor& g, PendingMap& pending) {
    if ((!target.leaf && target.id == 0) || !g.defined()) return;
    if (g.shape() != target.shape)
        throw ShapeError("backward: gradient " + describe(g) + " does not match its tensor f32" + shape_text(target.shape) +
                         " (a bug in an op's backward)");
    if (TensorImpl* leaf = target.leaf.get()) {
        if (!leaf->grad) {
            // The first gradient becomes the leaf's: taken as it is when nothing else holds it or
            // its memory (the entry's result, about to be dropped), else copied.
            const bool alone = g.shared().use_count() == 1 && g.impl()->storage.use_count() == 1;
            leaf->grad = alone ? g.shared() : copy_of(ctx, g).shared();
        } else {
            Tensor acc(leaf->grad);
            accumulate(acc, g);
        }
        return;
    }
    auto it = pending.find(target.id);
    if (it == pending.end()) {
        pending.emplace(target.id, g);  // no copy: made on the first accumulation if shared
        return;
    }
    // g may be another tensor's gradient too (add's backward hands its g to both inputs), or a
    // view of one: accumulate into a private copy then.
    Tensor& acc = it->second;
    if (acc.shared().use_count() > 1 || acc.impl()->storage.use_count() > 1) acc = copy_of(ctx, acc);
    accumulate(acc, g);
}

}  // namespace

void backward(Context& ctx, const std::vector<Tensor>& roots, const std::vector<double>& weights, const BackwardHooks& hooks) {
    if (roots.size() != weights.size())
        throw std::logic_error("backward: roots and weights differ in number");
    std::vector<Tensor> seeds;
    for (std::size_t i = 0; i < roots.size(); ++i)
        seeds.push_back(filled(ctx, roots[i].shape(), static_cast<float>(weights[i])));
    backward_seeded(ctx, roots, seeds, hooks);
}

void backward_seeded(Context& ctx, const std::vector<Tensor>& roots, const std::vector<Tensor>& seeds,
                     const BackwardHooks& hooks) {
    NoGradGuard no_grad(ctx);
    std::vector<TapeEntry> entries = ctx.tape().take();
    // A leaf's gradient is whole once the earliest entry using it has run (the walk is in reverse).
    std::vector<std::vector<const TensorImpl*>> leaves_done_at;
    if (hooks.leaf_done) {
        std::unordered_map<const TensorImpl*, std::size_t> first_use;
        for (std::size_t e = 0; e < entries.size(); ++e)
            for (const TapeInput& in : entries[e].inputs)
                if (in.leaf) first_use.emplace(in.leaf.get(), e);
        leaves_done_at.resize(entries.size());
        for (const auto& [leaf, e] : first_use) leaves_done_at[e].push_back(leaf);
    }
    PendingMap pending;
    for (std::size_t i = 0; i < roots.size(); ++i) {
        if (roots[i].dtype() != DType::f32)
            throw ShapeError("backward: root " + describe(roots[i]) + " is not float32");
        deliver(ctx, tape_input(roots[i]), seeds.at(i), pending);
    }
    for (auto entry = entries.rbegin(); entry != entries.rend(); ++entry) {
        std::vector<Tensor> grad_outputs;
        bool any = false;
        for (std::size_t o = 0; o < entry->outputs.size(); ++o) {
            auto it = pending.find(entry->outputs[o]);
            if (it != pending.end()) {
                grad_outputs.push_back(it->second);
                pending.erase(it);
                any = true;
            } else {
                grad_outputs.push_back(filled(ctx, entry->output_shapes[o], 0.0f));
            }
        }
        if (any) {
            std::vector<Tensor> grad_inputs = entry->backward(ctx, grad_outputs);
            for (std::size_t i = 0; i < entry->inputs.size() && i < grad_inputs.size(); ++i)
                deliver(ctx, entry->inputs[i], grad_inputs[i], pending);
        }
        // Done with this op: what it saved goes back to the pool now, for the gradients still to
        // come (of the same shapes, mostly), not after the whole backward.
        entry->backward = nullptr;
        if (hooks.leaf_done)
            for (const TensorImpl* leaf : leaves_done_at[static_cast<std::size_t>(entries.rend() - entry) - 1]) hooks.leaf_done(*leaf);
        if (hooks.entry_done) hooks.entry_done();
    }
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
    for (const auto& in : inputs) entry.inputs.push_back(tape_input(in));
    for (const auto& out : outputs) {
        out.impl()->requires_grad = out.dtype() == DType::f32;
        out.impl()->is_leaf = false;
        out.impl()->tape_id = ctx.tape().next_id();
        entry.outputs.push_back(out.impl()->tape_id);
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
