// The host's op set, by name. Plugins reach ops through the ABI's op_find/op_call (positional
// attributes, ABI 1.1) or op_find_version/op_call_named (ABI 1.4), the host and tests through
// OpRegistry::call; all go through the same checks. An op is a function of tensors and numeric
// attributes returning tensors; each lives in its own file with its backward and registers
// itself with one line in builtin_ops.cpp. Its version and attributes come from the SDK's
// <chimera/opset.h>, the one list plugins are built against.
#pragma once

#include "autograd/context.hpp"
#include "ops/op_attrs.hpp"
#include "tensor/tensor.hpp"

#include <map>
#include <string>
#include <vector>

namespace chimera {

using Attrs = std::vector<double>;
using OpFn = std::vector<Tensor> (*)(Context&, const std::vector<Tensor>& inputs, const Attrs& attrs);

struct OpDef {
    std::string name;
    std::string signature;  // "linear(x[N,I], w[O,I], b[O]?) -> y[N,O]"
    int min_inputs = 1, max_inputs = 1;
    int outputs = 1;
    OpFn fn = nullptr;
    // From <chimera/opset.h>, filled in by OpRegistry::add.
    uint32_t version = 0;
    OpAttrs attrs{};
};

class OpRegistry {
public:
    void add(OpDef def);
    const OpDef* find(const std::string& name) const;
    // Like find, but throws a ShapeError listing the ops there are (with the nearest name).
    const OpDef& require(const std::string& name) const;
    std::vector<const OpDef*> all() const;
    // Checks the number of inputs (optional inputs may be undefined) and attributes, runs the op.
    // Throws ShapeError naming the op.
    std::vector<Tensor> call(Context& ctx, const OpDef& op, const std::vector<Tensor>& inputs,
                             const Attrs& attrs) const;
    // The same with named attributes (ABI 1.4), translated to positions by the op's OpAttrs.
    std::vector<Tensor> call(Context& ctx, const OpDef& op, const std::vector<Tensor>& inputs,
                             const std::vector<NamedAttr>& attrs) const;
    std::vector<Tensor> call(Context& ctx, const std::string& name,
                             const std::vector<Tensor>& inputs, const Attrs& attrs = {}) const;

private:
    std::map<std::string, OpDef> ops_;
};

// The version of op `name` in <chimera/opset.h>, and its attribute text; false when absent.
bool opset_entry(const std::string& name, uint32_t& version, std::string& attrs);

// Registers every built-in op.
void register_builtin_ops(OpRegistry& registry);

}  // namespace chimera
