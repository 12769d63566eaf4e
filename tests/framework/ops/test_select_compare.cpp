// maximum, minimum, the comparisons and where: values by hand (ties included), gradients by
// finite differences away from ties, torch's split of a tie, shape errors.
#include <boost/test/unit_test.hpp>

#include "autograd/graph.hpp"
#include "support/op_fixture.hpp"

#include <cmath>
#include <limits>

#include <cmath>

using namespace chimera;
using namespace chimera::test;
namespace tt = boost::test_tools;

BOOST_FIXTURE_TEST_SUITE(select_compare, OpFixture)

BOOST_AUTO_TEST_CASE(maximum_and_minimum_broadcast) {
    Tensor a = tensor_of(ctx, {2, 3}, {1, 5, 3, -4, 2, 0});
    Tensor row = tensor_of(ctx, {3}, {2, 2, 3});
    BOOST_TEST(values_of(call("maximum", {a, row})) == std::vector<float>({2, 5, 3, 2, 2, 3}), tt::per_element());
    BOOST_TEST(values_of(call("minimum", {a, row})) == std::vector<float>({1, 2, 3, -4, 2, 0}), tt::per_element());
    BOOST_TEST(error_of("maximum", {a, ctx.zeros(DType::f32, {2})}) ==
               "maximum: shapes [2, 3] and [2] do not broadcast (dimension 1: 3 vs 2)");
}

// torch.maximum's rule: a tie sends half the gradient to each side; a broadcast input sums.
// As torch.maximum and torch.minimum: a NaN on either side is the result.
BOOST_AUTO_TEST_CASE(a_nan_on_either_side_is_the_result) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    Tensor a = tensor_of(ctx, {3}, {nan, 1, 2});
    Tensor b = tensor_of(ctx, {3}, {0, nan, 1});
    for (const char* op : {"maximum", "minimum"}) {
        BOOST_TEST_CONTEXT(op) {
            std::vector<float> y = values_of(call(op, {a, b}));
            BOOST_TEST(std::isnan(y[0]));
            BOOST_TEST(std::isnan(y[1]));
            BOOST_TEST(y[2] == (std::string(op) == "maximum" ? 2.0f : 1.0f));
        }
    }
}

BOOST_AUTO_TEST_CASE(a_tie_splits_the_gradient_in_half) {
    Tensor a = tensor_of(ctx, {2, 3}, {1, 5, 3, -4, 2, 0});
    Tensor row = tensor_of(ctx, {3}, {2, 2, 3});
    a.set_requires_grad(true);
    row.set_requires_grad(true);
    backward(ctx, {call("maximum", {a, row})}, {1.0});
    BOOST_TEST(values_of(a.grad()) == std::vector<float>({0, 1, 0.5f, 0, 0.5f, 0}), tt::per_element());
    BOOST_TEST(values_of(row.grad()) == std::vector<float>({2, 0.5f, 1.5f}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(maximum_and_minimum_gradients_match_finite_differences) {
    for (std::string op : {"maximum", "minimum"})
        for (auto shapes : std::vector<std::pair<Shape, Shape>>{{{3, 4}, {3, 4}}, {{2, 3, 4}, {3, 1}}, {{1}, {2, 5}}}) {
            BOOST_TEST_CONTEXT(op << " " << shape_text(shapes.first) << " " << shape_text(shapes.second)) {
                // b is a's values shifted by 0.3 (where shapes match), so no pair is within eps of a tie.
                Tensor a = random_tensor(ctx, shapes.first, 11);
                Tensor b = random_tensor(ctx, shapes.second, 12);
                float* pb = b.data<float>();
                for (int64_t i = 0; i < b.numel(); ++i) pb[i] = std::round(pb[i] * 4) / 4 + 0.125f;
                float* pa = a.data<float>();
                for (int64_t i = 0; i < a.numel(); ++i) pa[i] = std::round(pa[i] * 4) / 4;
                BOOST_TEST(check_gradients(ctx, fn(op), {a, b}, smooth) == "");
            }
        }
}

BOOST_AUTO_TEST_CASE(comparisons_give_float_masks) {
    Tensor a = tensor_of(ctx, {2, 3}, {1, 2, 3, 4, 5, 6});
    Tensor col = tensor_of(ctx, {2, 1}, {2, 5});
    const std::vector<std::pair<std::string, std::vector<float>>> expected = {
        {"greater", {0, 0, 1, 0, 0, 1}},    {"greater_equal", {0, 1, 1, 0, 1, 1}}, {"less", {1, 0, 0, 1, 0, 0}},
        {"less_equal", {1, 1, 0, 1, 1, 0}}, {"equal", {0, 1, 0, 0, 1, 0}},         {"not_equal", {1, 0, 1, 1, 0, 1}}};
    a.set_requires_grad(true);
    for (const auto& [op, values] : expected) {
        BOOST_TEST_CONTEXT(op) {
            Tensor y = call(op, {a, col});
            BOOST_TEST((y.dtype() == DType::f32));
            BOOST_TEST(values_of(y) == values, tt::per_element());
            BOOST_TEST(!y.requires_grad());  // not differentiable: nothing recorded
            BOOST_TEST(error_of(op, {a, ctx.zeros(DType::f32, {4})}) ==
                       op + ": shapes [2, 3] and [4] do not broadcast (dimension 1: 3 vs 4)");
        }
    }
    BOOST_TEST(ctx.tape().size() == 0u);
}

BOOST_AUTO_TEST_CASE(where_picks_and_broadcasts) {
    Tensor cond = tensor_of(ctx, {2, 1}, {1, 0});
    Tensor a = tensor_of(ctx, {2, 3}, {1, 2, 3, 4, 5, 6});
    Tensor b = tensor_of(ctx, {3}, {-1, -2, -3});
    BOOST_TEST(values_of(call("where", {cond, a, b})) == std::vector<float>({1, 2, 3, -1, -2, -3}), tt::per_element());
    Tensor any_nonzero = tensor_of(ctx, {3}, {0.5f, 0, -2});
    BOOST_TEST(values_of(call("where", {any_nonzero, a, b})) == std::vector<float>({1, -2, 3, 4, -2, 6}), tt::per_element());
    BOOST_TEST(error_of("where", {ctx.zeros(DType::f32, {4}), a, b}) ==
               "where: shapes [4] and [2, 3] do not broadcast (dimension 1: 4 vs 3)");
}

BOOST_AUTO_TEST_CASE(where_gradients_go_to_the_chosen_side) {
    Tensor cond = tensor_of(ctx, {2, 1, 4}, {1, 0, 0, 1, 0, 1, 1, 0});
    Tensor a = random_tensor(ctx, {2, 3, 4}, 21), b = random_tensor(ctx, {3, 1}, 22);
    BOOST_TEST(check_gradients(ctx, fn("where"), {cond, a, b}, smooth, {false, true, true}) == "");
    a.set_requires_grad(true);
    b.set_requires_grad(true);
    backward(ctx, {call("where", {cond, a, b})}, {1.0});
    // b [3, 1] is used where cond is 0: 2 of 4 places in each of the 2 batch rows.
    BOOST_TEST(values_of(b.grad()) == std::vector<float>({4, 4, 4}), tt::per_element());
    BOOST_TEST(values_of(a.grad())[0] == 1.0f);
    BOOST_TEST(values_of(a.grad())[1] == 0.0f);
}

BOOST_AUTO_TEST_SUITE_END()
