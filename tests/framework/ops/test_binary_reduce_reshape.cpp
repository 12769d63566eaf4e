// Plain-loop ops: broadcasting arithmetic, sum/mean over axes, reshape/flatten.
#include <boost/test/unit_test.hpp>

#include "support/op_fixture.hpp"

using namespace chimera;
using namespace chimera::test;
namespace tt = boost::test_tools;

BOOST_FIXTURE_TEST_SUITE(plain_loops, OpFixture)

BOOST_AUTO_TEST_CASE(arithmetic_broadcasts_like_numpy) {
    Tensor a = tensor_of(ctx, {2, 3}, {1, 2, 3, 4, 5, 6});
    Tensor row = tensor_of(ctx, {3}, {10, 20, 30});
    Tensor col = tensor_of(ctx, {2, 1}, {2, 4});
    BOOST_TEST(values_of(call("add", {a, row})) == std::vector<float>({11, 22, 33, 14, 25, 36}), tt::per_element());
    BOOST_TEST(values_of(call("sub", {a, col})) == std::vector<float>({-1, 0, 1, 0, 1, 2}), tt::per_element());
    BOOST_TEST(values_of(call("mul", {col, row})) == std::vector<float>({20, 40, 60, 40, 80, 120}), tt::per_element());
    BOOST_TEST(values_of(call("div", {a, col})) == std::vector<float>({0.5f, 1, 1.5f, 1, 1.25f, 1.5f}), tt::per_element());
    BOOST_TEST(call("add", {col, row}).shape() == Shape({2, 3}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(arithmetic_gradients_sum_over_broadcast_dimensions) {
    for (std::string op : {"add", "sub", "mul", "div"}) {
        for (auto shapes : std::vector<std::pair<Shape, Shape>>{
                 {{2, 3}, {2, 3}}, {{4, 1, 3}, {5, 1}}, {{1}, {3, 2}}, {{2, 3, 4, 5}, {3, 1, 5}}, {{3, 1, 4, 1}, {2, 1, 5}}}) {
            BOOST_TEST_CONTEXT(op << " " << shape_text(shapes.first) << " " << shape_text(shapes.second)) {
                Tensor a = random_tensor(ctx, shapes.first, 1);
                Tensor b = random_tensor(ctx, shapes.second, 2, 0.5f, 1.5f);  // away from 0 for div
                BOOST_TEST(check_gradients(ctx, fn(op), {a, b}, smooth) == "");
            }
        }
    }
}

// The broadcast loops run over collapsed rows; an index-by-index computation is the reference.
BOOST_AUTO_TEST_CASE(broadcasting_in_any_dimensions_matches_index_arithmetic) {
    for (auto shapes : std::vector<std::pair<Shape, Shape>>{
             {{2, 3, 4, 5}, {3, 1, 5}}, {{3, 1, 4, 1}, {2, 1, 5}}, {{2, 1, 3}, {2, 4, 1}}, {{6}, {}}, {{1, 1}, {2, 3}}}) {
        BOOST_TEST_CONTEXT(shape_text(shapes.first) << " " << shape_text(shapes.second)) {
            Tensor a = random_tensor(ctx, shapes.first, 3), b = random_tensor(ctx, shapes.second, 4);
            Tensor y = call("sub", {a, b});
            const Shape& out = y.shape();
            auto index = [&](const Shape& in, int64_t flat) {  // the element of `in` that output `flat` reads
                int64_t at = 0, stride = 1;
                for (std::size_t d = out.size(); d-- > 0;) {
                    const int64_t coordinate = flat % out[d];
                    flat /= out[d];
                    const std::size_t offset = out.size() - in.size();
                    if (d >= offset && in[d - offset] != 1) at += coordinate * stride;
                    if (d >= offset) stride *= in[d - offset];
                }
                return at;
            };
            std::vector<float> expected;
            for (int64_t i = 0; i < y.numel(); ++i)
                expected.push_back(a.data<float>()[index(a.shape(), i)] - b.data<float>()[index(b.shape(), i)]);
            BOOST_TEST(values_of(y) == expected, tt::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(incompatible_shapes_are_named) {
    BOOST_TEST(error_of("add", {ctx.zeros(DType::f32, {2, 3}), ctx.zeros(DType::f32, {4})}) ==
               "add: shapes [2, 3] and [4] do not broadcast (dimension 1: 3 vs 4)");
}

BOOST_AUTO_TEST_CASE(sum_and_mean_over_axes) {
    Tensor x = tensor_of(ctx, {2, 3}, {1, 2, 3, 4, 5, 6});
    BOOST_TEST(values_of(call("sum", {x})) == std::vector<float>({21}), tt::per_element());
    BOOST_TEST(call("sum", {x}).rank() == 0);
    BOOST_TEST(values_of(call("sum", {x}, {0, 0})) == std::vector<float>({5, 7, 9}), tt::per_element());
    BOOST_TEST(values_of(call("mean", {x}, {0, -1})) == std::vector<float>({2, 5}), tt::per_element());
    BOOST_TEST(call("mean", {x}, {1, 1}).shape() == Shape({2, 1}), tt::per_element());
    BOOST_TEST(error_of("sum", {x}, {0, 2}) == "sum: axis 2 is out of range for rank 2");
}

BOOST_AUTO_TEST_CASE(reduction_gradients_match_finite_differences) {
    Tensor x = random_tensor(ctx, {3, 4, 5}, 3);
    for (Attrs attrs : {Attrs{}, Attrs{0, 1}, Attrs{1, 0, 2}, Attrs{0, -1}}) {
        BOOST_TEST(check_gradients(ctx, fn("sum", attrs), {x}, smooth) == "");
        BOOST_TEST(check_gradients(ctx, fn("mean", attrs), {x}, smooth) == "");
    }
}

BOOST_AUTO_TEST_CASE(reshape_and_flatten_keep_the_elements) {
    Tensor x = random_tensor(ctx, {2, 3, 4}, 4);
    BOOST_TEST(call("reshape", {x}, {4, -1}).shape() == Shape({4, 6}), tt::per_element());
    BOOST_TEST(values_of(call("flatten", {x})) == values_of(x), tt::per_element());
    BOOST_TEST(call("flatten", {x}).shape() == Shape({2, 12}), tt::per_element());
    BOOST_TEST(error_of("reshape", {x}, {5, -1}) == "reshape: cannot infer -1 viewing f32[2, 3, 4] as [5, -1]");
    Function chain = [this](Context& c, const std::vector<Tensor>& in) {
        Tensor r = ops.call(c, "reshape", in, {6, 4})[0];
        return ops.call(c, "mul", {r, r})[0];
    };
    BOOST_TEST(check_gradients(ctx, chain, {x}, smooth) == "");
}

BOOST_AUTO_TEST_SUITE_END()
