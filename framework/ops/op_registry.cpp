#include "ops/op_registry.hpp"

#include "core/suggest.hpp"
#include "tensor/shape_error.hpp"

namespace chimera {

void OpRegistry::add(OpDef def) {
    std::string name = def.name;
    if (!ops_.emplace(name, std::move(def)).second)
        throw std::logic_error("op '" + name + "' registered twice");
}

const OpDef* OpRegistry::find(const std::string& name) const {
    auto it = ops_.find(name);
    return it == ops_.end() ? nullptr : &it->second;
}

std::vector<const OpDef*> OpRegistry::all() const {
    std::vector<const OpDef*> out;
    for (const auto& [name, def] : ops_) out.push_back(&def);
    return out;
}

std::vector<Tensor> OpRegistry::call(Context& ctx, const OpDef& op, const std::vector<Tensor>& inputs,
                                     const Attrs& attrs) const {
    int n_in = static_cast<int>(inputs.size()), n_attr = static_cast<int>(attrs.size());
    if (n_in < op.min_inputs || n_in > op.max_inputs)
        throw ShapeError(op.name + ": takes " + std::to_string(op.min_inputs) +
                         (op.max_inputs != op.min_inputs ? " to " + std::to_string(op.max_inputs) : "") +
                         " inputs, got " + std::to_string(n_in) + "; " + op.signature);
    for (int i = 0; i < op.min_inputs; ++i)
        if (!inputs[i].defined())
            throw ShapeError(op.name + ": input " + std::to_string(i) + " is missing; " + op.signature);
    if (n_attr < op.min_attrs || n_attr > op.max_attrs)
        throw ShapeError(op.name + ": takes " + std::to_string(op.min_attrs) +
                         (op.max_attrs != op.min_attrs ? " to " + std::to_string(op.max_attrs) : "") +
                         " attributes (" + (op.attrs.empty() ? "none" : op.attrs) + "), got " +
                         std::to_string(n_attr));
    return op.fn(ctx, inputs, attrs);
}

const OpDef& OpRegistry::require(const std::string& name) const {
    if (const OpDef* op = find(name)) return *op;
    std::vector<std::string> names;
    for (const auto& [n, def] : ops_) names.push_back(n);
    throw ShapeError("no op named '" + name + "'." + did_you_mean(name, names) + " Ops: " + join(names));
}

std::vector<Tensor> OpRegistry::call(Context& ctx, const std::string& name,
                                     const std::vector<Tensor>& inputs, const Attrs& attrs) const {
    return call(ctx, require(name), inputs, attrs);
}

}  // namespace chimera
