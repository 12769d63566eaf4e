// Reads tests/data/op_fixtures.txt, the values PyTorch computed for a set of op calls (see
// bench/reference/make_op_fixtures.py for the format). Parsing only; comparing is the test's job.
#pragma once

#include "tensor/tensor.hpp"
#include "autograd/context.hpp"

#include <map>
#include <string>
#include <vector>

namespace chimera::test {

struct OpFixtureCase {
    std::string name, op;
    std::vector<double> attrs;
    std::vector<Tensor> inputs;       // undefined for an absent optional input
    Tensor grad_output, output;
    std::vector<Tensor> grad_inputs;  // undefined where torch gave none
    std::map<int, Tensor> after;      // inputs changed in place by the op
};

// Throws std::runtime_error naming the file and line on malformed input.
std::vector<OpFixtureCase> read_op_fixtures(Context& ctx, const std::string& path);

}  // namespace chimera::test
