// The host's op set, by name. Plugins reach ops through the ABI's op_find/op_call, the host and
// tests through OpRegistry::call; both go through the same checks. An op is a function of
// tensors and numeric attributes returning tensors; each lives in its own file with its
// backward and registers itself with one line in builtin_ops.cpp.
#pragma once

#include "autograd/context.hpp"
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
    std::string attrs;      // "stride_h, stride_w, ..." in order, or "" for none
    int min_inputs = 1, max_inputs = 1;
    int min_attrs = 0, max_attrs = 0;
    int outputs = 1;
    OpFn fn = nullptr;
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
    std::vector<Tensor> call(Context& ctx, const std::string& name,
                             const std::vector<Tensor>& inputs, const Attrs& attrs = {}) const;

private:
    std::map<std::string, OpDef> ops_;
};

// Registers every built-in op.
void register_builtin_ops(OpRegistry& registry);

}  // namespace chimera
