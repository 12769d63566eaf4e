#include "ops/op_registry.hpp"

#include "core/suggest.hpp"
#include "tensor/shape_error.hpp"

#include <chimera/opset.h>

#include <cstring>
#include <stdexcept>

namespace chimera {

bool opset_entry(const std::string& name, uint32_t& version, std::string& attrs) {
    struct Entry {
        const char* name;
        uint32_t version;
        const char* attrs;
    };
#define CHIMERA_OPSET_ENTRY(op, v, a) {#op, v, a},
    static const Entry entries[] = {CHM_OPSET(CHIMERA_OPSET_ENTRY)};
#undef CHIMERA_OPSET_ENTRY
    for (const Entry& e : entries)
        if (name == e.name) {
            version = e.version;
            attrs = e.attrs;
            return true;
        }
    return false;
}

void OpRegistry::add(OpDef def) {
    std::string name = def.name, attrs;
    if (!opset_entry(name, def.version, attrs))
        throw std::logic_error("op '" + name + "' is not in sdk/include/chimera/opset.h: add it there with its "
                               "version and attributes");
    def.attrs = OpAttrs(name, attrs);
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
    const int min_attrs = op.attrs.min_positional(), max_attrs = op.attrs.max_positional();
    if (n_attr < min_attrs || n_attr > max_attrs)
        throw ShapeError(op.name + ": takes " + std::to_string(min_attrs) +
                         (max_attrs != min_attrs ? " to " + std::to_string(max_attrs) : "") +
                         " attributes (" + (op.attrs.text().empty() ? "none" : op.attrs.text()) + "), got " +
                         std::to_string(n_attr));
    return op.fn(ctx, inputs, attrs);
}

std::vector<Tensor> OpRegistry::call(Context& ctx, const OpDef& op, const std::vector<Tensor>& inputs,
                                     const std::vector<NamedAttr>& attrs) const {
    return call(ctx, op, inputs, op.attrs.positional(op.name, attrs));
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
