// What op tests share: a context (one thread, fixed seed), the built-in ops, and short ways to
// call an op and to wrap it as a function for the gradient checker.
#pragma once

#include "core/host_error.hpp"
#include "ops/op_registry.hpp"
#include "support/gradient_check.hpp"

#include <string>
#include <vector>

namespace chimera::test {

struct OpFixture {
    Context ctx{1, 42};
    OpRegistry ops;

    OpFixture() { register_builtin_ops(ops); }

    Tensor call(const std::string& op, const std::vector<Tensor>& inputs, const Attrs& attrs = {}) {
        return ops.call(ctx, op, inputs, attrs).at(0);
    }
    Function fn(const std::string& op, const Attrs& attrs = {}) {
        return [this, op, attrs](Context& c, const std::vector<Tensor>& in) {
            return ops.call(c, op, in, attrs).at(0);
        };
    }
    // The message of the ShapeError an op call throws, or "no error".
    std::string error_of(const std::string& op, const std::vector<Tensor>& inputs, const Attrs& attrs = {}) {
        try {
            ops.call(ctx, op, inputs, attrs);
        } catch (const HostError& e) {
            return e.what();
        }
        return "no error";
    }
};

}  // namespace chimera::test
