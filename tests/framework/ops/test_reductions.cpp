// max, argmax, logsumexp and var over axes: values by hand, torch's rules for ties, stability
// for large inputs, gradients by finite differences, attribute and shape errors.
#include <boost/test/unit_test.hpp>

#include "autograd/graph.hpp"
#include "support/op_fixture.hpp"

#include <cmath>
#include <limits>

using namespace chimera;
using namespace chimera::test;
namespace tt = boost::test_tools;

BOOST_FIXTURE_TEST_SUITE(reductions, OpFixture)

BOOST_AUTO_TEST_CASE(max_over_axes_with_keepdim) {
    Tensor x = tensor_of(ctx, {2, 3}, {1, 7, 3, 4, -5, 6});
    BOOST_TEST(values_of(call("max", {x})) == std::vector<float>({7}), tt::per_element());
    BOOST_TEST(call("max", {x}).rank() == 0);
    BOOST_TEST(values_of(call("max", {x}, {0, 0})) == std::vector<float>({4, 7, 6}), tt::per_element());
    Tensor kept = call("max", {x}, {1, -1});
    BOOST_TEST(kept.shape() == Shape({2, 1}), tt::per_element());
    BOOST_TEST(values_of(kept) == std::vector<float>({7, 6}), tt::per_element());
    BOOST_TEST(error_of("max", {x}, {0, 2}) == "max: axis 2 is out of range for rank 2");
    BOOST_TEST(error_of("max", {ctx.zeros(DType::f32, {2, 0})}, {0, 1}) ==
               "max: cannot reduce over an empty axis of f32[2, 0]");
}

// torch.amax: the gradient is shared evenly among the positions holding the maximum.
BOOST_AUTO_TEST_CASE(max_shares_the_gradient_among_ties) {
    Tensor x = tensor_of(ctx, {2, 3}, {1, 3, 3, 2, 2, 2});
    x.set_requires_grad(true);
    backward(ctx, {call("max", {x}, {0, 1})}, {1.0});
    const float third = 1.0f / 3;
    BOOST_TEST(values_of(x.grad()) == std::vector<float>({0, 0.5f, 0.5f, third, third, third}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(max_gradients_match_finite_differences) {
    Tensor x = random_tensor(ctx, {3, 4, 5}, 31);  // distinct values: no ties within eps
    for (Attrs attrs : {Attrs{}, Attrs{0, 1}, Attrs{1, 0, 2}, Attrs{0, -1}})
        BOOST_TEST_CONTEXT("attrs " << attrs.size()) {
            BOOST_TEST(check_gradients(ctx, fn("max", attrs), {x}, smooth) == "");
        }
}

BOOST_AUTO_TEST_CASE(argmax_takes_the_first_of_ties) {
    Tensor x = tensor_of(ctx, {2, 4}, {1, 3, 3, 0, 5, 5, 5, 5});
    Tensor i = call("argmax", {x}, {1});
    BOOST_TEST((i.dtype() == DType::i32));
    BOOST_TEST(i.shape() == Shape({2}), tt::per_element());
    BOOST_TEST(std::vector<int32_t>(i.data<int32_t>(), i.data<int32_t>() + 2) == std::vector<int32_t>({1, 0}),
               tt::per_element());
    Tensor j = call("argmax", {x}, {0, 1});
    BOOST_TEST(j.shape() == Shape({1, 4}), tt::per_element());
    BOOST_TEST(std::vector<int32_t>(j.data<int32_t>(), j.data<int32_t>() + 4) == std::vector<int32_t>({1, 1, 1, 1}),
               tt::per_element());
    x.set_requires_grad(true);
    BOOST_TEST(!call("argmax", {x}, {-1}).requires_grad());
    BOOST_TEST(error_of("argmax", {x}, {2}) == "argmax: axis 2 is out of range for rank 2");
    BOOST_TEST(error_of("argmax", {x}) == "argmax: takes 1 to 2 attributes (axis, keepdim=0), got 0");
}

BOOST_AUTO_TEST_CASE(logsumexp_is_stable_and_exact) {
    Tensor x = tensor_of(ctx, {2, 3}, {0, 0, 0, 1000, 1000, -1000});
    std::vector<float> y = values_of(call("logsumexp", {x}, {0, 1}));
    BOOST_TEST(std::fabs(y[0] - std::log(3.0f)) < 1e-6f);
    BOOST_TEST(std::fabs(y[1] - (1000.0f + std::log(2.0f))) < 1e-3f);
    const float inf = std::numeric_limits<float>::infinity();
    Tensor all_minus_inf = tensor_of(ctx, {2}, {-inf, -inf});
    BOOST_TEST(values_of(call("logsumexp", {all_minus_inf}))[0] == -inf);
}

BOOST_AUTO_TEST_CASE(logsumexp_gradients_match_finite_differences) {
    Tensor x = random_tensor(ctx, {3, 4, 5}, 32, -3, 3);
    for (Attrs attrs : {Attrs{}, Attrs{0, 1}, Attrs{1, 0, 2}})
        BOOST_TEST(check_gradients(ctx, fn("logsumexp", attrs), {x}, smooth) == "");
}

BOOST_AUTO_TEST_CASE(var_is_unbiased_by_default) {
    Tensor x = tensor_of(ctx, {2, 4}, {1, 2, 3, 4, 2, 2, 2, 6});
    // row 0: mean 2.5, squares 5; row 1: mean 3, squares 12.
    BOOST_TEST(values_of(call("var", {x}, {1, 0, 1})) == std::vector<float>({5.0f / 3, 4}), tt::per_element());
    BOOST_TEST(values_of(call("var", {x}, {0, 0, 1})) == std::vector<float>({1.25f, 3}), tt::per_element());
    BOOST_TEST(call("var", {x}, {1, 1, 0}).shape() == Shape({1, 4}), tt::per_element());
    BOOST_TEST(std::fabs(values_of(call("var", {x}))[0] - 17.5f / 7) < 1e-6f);
    BOOST_TEST(error_of("var", {x}, {-1}) == "var: correction must be an integer in [0, 1073741824], got -1");
}

BOOST_AUTO_TEST_CASE(var_gradients_match_finite_differences) {
    Tensor x = random_tensor(ctx, {3, 4, 5}, 33);
    for (Attrs attrs : {Attrs{}, Attrs{1, 0, 1}, Attrs{0, 1, 0, 2}})
        BOOST_TEST(check_gradients(ctx, fn("var", attrs), {x}, smooth) == "");
}

BOOST_AUTO_TEST_SUITE_END()
