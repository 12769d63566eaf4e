// Chimera's oneDNN-backed ops against values PyTorch computed for the same inputs
// (tests/data/op_fixtures.txt, made by bench/reference/make_op_fixtures.py): the output, every
// input gradient for a given output gradient, and batch norm's running statistics.
#define BOOST_TEST_MODULE framework_reference
#include <boost/test/unit_test.hpp>

#include "autograd/graph.hpp"
#include "ops/op_registry.hpp"
#include "support/fixture_reader.hpp"

#include <cmath>
#include <sstream>

using namespace chimera;
using namespace chimera::test;

namespace {

// float32 against float32 from another library: differences come from summation order.
// |ours - torch| <= abs + rel * |torch| per element.
constexpr double abs_tolerance = 1e-4;
constexpr double rel_tolerance = 1e-4;

std::string compare(const std::string& what, const Tensor& ours, const Tensor& theirs) {
    if (!ours.defined()) return what + ": Chimera gave none";
    if (ours.shape() != theirs.shape())
        return what + ": shape " + shape_text(ours.shape()) + " vs torch " + shape_text(theirs.shape());
    int bad = 0;
    std::ostringstream report;
    double worst = 0;
    for (int64_t i = 0; i < ours.numel(); ++i) {
        double a = ours.data<float>()[i], b = theirs.data<float>()[i];
        double err = std::fabs(a - b);
        worst = std::max(worst, err);
        if (err > abs_tolerance + rel_tolerance * std::fabs(b) && ++bad <= 3)
            report << what << "[" << i << "]: " << a << " vs torch " << b << "\n";
    }
    if (bad) report << what << ": " << bad << " of " << ours.numel() << " elements differ (worst " << worst << ")";
    return report.str();
}

// int32 results (argmax) as float32, as the fixture file records every value.
Tensor as_f32(Context& ctx, const Tensor& t) {
    if (t.dtype() == DType::f32) return t;
    Tensor f = ctx.empty(DType::f32, t.shape());
    for (int64_t i = 0; i < t.numel(); ++i) f.data<float>()[i] = static_cast<float>(t.data<int32_t>()[i]);
    return f;
}

}  // namespace

BOOST_AUTO_TEST_CASE(ops_match_pytorch_forward_and_backward) {
    Context ctx(1, 0);
    OpRegistry ops;
    register_builtin_ops(ops);
    auto cases = read_op_fixtures(ctx, CHIMERA_TEST_DATA "/op_fixtures.txt");
    BOOST_TEST_REQUIRE(cases.size() >= 16u);
    for (auto& c : cases) {
        BOOST_TEST_CONTEXT(c.name << " (" << c.op << ")") {
            for (std::size_t k = 0; k < c.inputs.size(); ++k)
                if (c.inputs[k].defined() && k < c.grad_inputs.size() && c.grad_inputs[k].defined())
                    c.inputs[k].set_requires_grad(true);
            Tensor y = ops.call(ctx, c.op, c.inputs, c.attrs).at(0);
            BOOST_TEST(compare("output", as_f32(ctx, y), c.output) == "");
            for (const auto& [k, expected] : c.after)
                BOOST_TEST(compare("input " + std::to_string(k) + " after", c.inputs[k], expected) == "");
            if (!y.requires_grad()) {  // comparisons, argmax: nothing to differentiate
                ctx.tape().clear();
                continue;
            }
            backward_seeded(ctx, {y}, {c.grad_output});
            for (std::size_t k = 0; k < c.grad_inputs.size(); ++k)
                if (c.grad_inputs[k].defined())
                    BOOST_TEST(compare("grad of input " + std::to_string(k), c.inputs[k].grad(), c.grad_inputs[k]) == "");
        }
    }
}
