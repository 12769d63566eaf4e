// Every op with several differentiable inputs computes a gradient only for the inputs that
// require one: its backward returns none for the others (observed on the tape entry itself, not
// through the leaves, which would drop it anyway), the remaining gradients still match finite
// differences, and linear and the convolutions build (so run) no backward-weights primitive for a
// frozen weight, nor a backward-data one for an input that wants no gradient.
#include <boost/test/unit_test.hpp>

#include "autograd/graph.hpp"
#include "autograd/modes.hpp"
#include "support/op_fixture.hpp"

using namespace chimera;
using namespace chimera::test;

namespace {

struct Case {
    std::string op;
    std::vector<Shape> shapes;  // {} for an absent optional input
    Attrs attrs;
    std::vector<bool> differentiable;
    Tolerance tol = smooth;
};

const std::vector<Case> cases = {
    {"add", {{2, 3}, {3}}, {}, {true, true}},
    {"sub", {{2, 3}, {3}}, {}, {true, true}},
    {"mul", {{2, 3}, {2, 1}}, {}, {true, true}},
    {"div", {{2, 3}, {3}}, {}, {true, true}},
    {"maximum", {{2, 3}, {3}}, {}, {true, true}},
    {"minimum", {{2, 3}, {3}}, {}, {true, true}},
    {"where", {{2, 3}, {2, 3}, {3}}, {}, {false, true, true}},
    {"matmul", {{2, 3, 4}, {4, 5}}, {}, {true, true}},
    {"linear", {{3, 4}, {5, 4}, {5}}, {}, {true, true, true}},
    {"linear", {{3, 4}, {5, 4}, {5}}, {2, 0.1}, {true, true, true}},  // leaky_relu, fused
    {"linear", {{3, 4}, {5, 4}, {5}}, {6}, {true, true, true}},       // gelu, not fused
    {"conv2d", {{2, 3, 5, 5}, {4, 3, 3, 3}, {4}}, {1, 1, 1, 1}, {true, true, true}},
    {"conv_transpose2d", {{2, 3, 4, 4}, {3, 2, 3, 3}, {2}}, {2, 2, 1, 1}, {true, true, true}},
    {"attention", {{1, 2, 3, 4}, {1, 2, 5, 4}, {1, 2, 5, 4}}, {}, {true, true, true}},
    {"layer_norm", {{3, 6}, {6}, {6}}, {}, {true, true, true}},
    {"batch_norm", {{4, 3, 2}, {3}, {3}, {3}, {3}}, {1, 0.1, 1e-5}, {true, true, true, false, false}},
    {"concat", {{2, 3}, {2, 2}, {2, 1}}, {1}, {true, true, true}},
};

// The case's inputs, made again for each call (batch_norm's running statistics change).
std::vector<Tensor> inputs_of(Context& ctx, const Case& c) {
    std::vector<Tensor> in;
    for (std::size_t k = 0; k < c.shapes.size(); ++k) {
        Tensor t = random_tensor(ctx, c.shapes[k], 100 + k, 0.5f, 1.5f);  // positive: div, running_var
        if (c.op == "maximum" || c.op == "minimum") {  // no ties within eps
            float* p = t.data<float>();
            for (int64_t i = 0; i < t.numel(); ++i) p[i] += 0.01f * static_cast<float>(k);
        }
        in.push_back(t);
    }
    if (c.op == "where") {  // a mask
        float* p = in[0].data<float>();
        for (int64_t i = 0; i < in[0].numel(); ++i) p[i] = p[i] > 1.0f ? 1.0f : 0.0f;
    }
    return in;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(skipped_gradients, OpFixture)

BOOST_AUTO_TEST_CASE(an_input_that_requires_no_gradient_gets_none) {
    for (const Case& c : cases) {
        for (std::size_t frozen = 0; frozen < c.shapes.size(); ++frozen) {
            if (!c.differentiable[frozen]) continue;
            BOOST_TEST_CONTEXT(c.op << " (attrs " << c.attrs.size() << ") with input " << frozen << " frozen") {
                std::vector<bool> wanted = c.differentiable;
                wanted[frozen] = false;
                std::vector<Tensor> in = inputs_of(ctx, c);
                for (std::size_t k = 0; k < in.size(); ++k) in[k].set_requires_grad(wanted[k]);
                ctx.tape().clear();
                Tensor y = call(c.op, in, c.attrs);
                std::vector<TapeEntry> entries = ctx.tape().take();
                BOOST_TEST_REQUIRE(entries.size() == 1u);
                std::vector<Tensor> grads;
                {
                    NoGradGuard no_grad(ctx);  // as backward runs entries
                    grads = entries[0].backward(ctx, {random_tensor(ctx, y.shape(), 7)});
                }
                for (std::size_t k = 0; k < in.size(); ++k)
                    BOOST_TEST((k < grads.size() && grads[k].defined()) == bool(wanted[k]), "input " << k);
                BOOST_TEST(check_gradients(ctx, fn(c.op, c.attrs), inputs_of(ctx, c), c.tol, wanted) == "");
            }
        }
    }
}

// The primitives a forward and backward build with the given inputs wanting gradients: each
// backward primitive is built on its first use, so one not built was never run.
uint64_t primitives_built(const std::string& op, const std::vector<Shape>& shapes, const Attrs& attrs,
                          const std::vector<bool>& wanted, std::vector<Tensor>* grads = nullptr) {
    OpFixture f;
    std::vector<Tensor> in;
    for (std::size_t k = 0; k < shapes.size(); ++k) {
        in.push_back(random_tensor(f.ctx, shapes[k], 200 + k));
        in.back().set_requires_grad(wanted[k]);
    }
    backward(f.ctx, {f.call(op, in, attrs)}, {1.0});
    if (grads)
        for (const Tensor& t : in) grads->push_back(t.grad());
    return f.ctx.device().counters().primitives_created;
}

BOOST_AUTO_TEST_CASE(a_frozen_linear_weight_runs_no_weights_primitive) {
    const std::vector<Shape> shapes{{4, 6}, {3, 6}, {3}};
    std::vector<Tensor> grads;
    const uint64_t all = primitives_built("linear", shapes, {}, {true, true, true});
    const uint64_t frozen_w = primitives_built("linear", shapes, {}, {true, false, true}, &grads);
    const uint64_t bias_only = primitives_built("linear", shapes, {}, {false, false, true});
    BOOST_TEST(frozen_w == all - 1);       // no backward-weights primitive
    BOOST_TEST(bias_only == all - 2);      // nor backward-data: the forward alone
    BOOST_TEST(grads[0].defined());
    BOOST_TEST(!grads[1].defined());
    // With dy = 1, db is the batch size for each output (a column sum, no primitive).
    BOOST_TEST(values_of(grads[2]) == std::vector<float>({4, 4, 4}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(frozen_convolution_weights_run_no_weights_primitive) {
    for (std::string op : {"conv2d", "conv_transpose2d"}) {
        BOOST_TEST_CONTEXT(op) {
            const std::vector<Shape> shapes{{2, 4, 5, 5}, {4, 4, 3, 3}, {4}};
            const Attrs attrs{1, 1, 1, 1};
            std::vector<Tensor> grads;
            const uint64_t all = primitives_built(op, shapes, attrs, {true, true, true});
            const uint64_t frozen_w = primitives_built(op, shapes, attrs, {true, false, true}, &grads);
            const uint64_t bias_only = primitives_built(op, shapes, attrs, {false, false, true});
            BOOST_TEST(frozen_w < all);
            BOOST_TEST(bias_only < frozen_w);
            BOOST_TEST(grads[0].defined());
            BOOST_TEST(!grads[1].defined());
            // dy = 1 over [2, 4, 5, 5] (both keep 5x5 here): db = 2 * 25 per channel.
            BOOST_TEST(values_of(grads[2]) == std::vector<float>(4, 50.0f), boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
