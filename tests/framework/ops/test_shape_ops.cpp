// Plain-loop ops that move or pick elements, or mix a tensor with a scalar: add/mul/rsub/pow_scalar,
// permute/transpose, concat, slice, embedding, gather_classes, clamp.
#include <boost/test/unit_test.hpp>

#include "autograd/graph.hpp"
#include "support/op_fixture.hpp"

#include <cmath>
#include <limits>

using namespace chimera;
using namespace chimera::test;
namespace tt = boost::test_tools;

namespace {

Tensor ints_of(Context& ctx, const Shape& shape, const std::vector<int32_t>& values) {
    Tensor t = ctx.empty(DType::i32, shape);
    BOOST_TEST_REQUIRE(static_cast<int64_t>(values.size()) == t.numel());
    std::copy(values.begin(), values.end(), t.data<int32_t>());
    return t;
}

std::vector<int32_t> ints_in(const Tensor& t) {
    return std::vector<int32_t>(t.data<int32_t>(), t.data<int32_t>() + t.numel());
}

// 0, 1, 2, ... shaped `shape`.
Tensor iota(Context& ctx, const Shape& shape) {
    Tensor t = ctx.empty(DType::f32, shape);
    for (int64_t i = 0; i < t.numel(); ++i) t.data<float>()[i] = static_cast<float>(i);
    return t;
}

// The tape's gradient of sum(f(x)) for a leaf copy of x.
std::vector<float> grad_of_sum(Context& ctx, const Function& f, std::vector<Tensor> inputs, std::size_t which) {
    Tensor leaf = ctx.empty(inputs[which].dtype(), inputs[which].shape());
    std::copy_n(inputs[which].data<float>(), leaf.numel(), leaf.data<float>());
    leaf.set_requires_grad(true);
    inputs[which] = leaf;
    Tensor y = f(ctx, inputs);
    backward(ctx, {y}, {1.0});
    return values_of(inputs[which].grad());
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(shape_ops, OpFixture)

// ---- add_scalar, mul_scalar, rsub_scalar, pow_scalar -------------------------------------------

BOOST_AUTO_TEST_CASE(scalar_ops_compute_by_hand) {
    Tensor x = tensor_of(ctx, {2, 2}, {-1, 0.5f, 2, 3});
    BOOST_TEST(values_of(call("add_scalar", {x}, {1.5})) == std::vector<float>({0.5f, 2, 3.5f, 4.5f}), tt::per_element());
    BOOST_TEST(values_of(call("mul_scalar", {x}, {-2})) == std::vector<float>({2, -1, -4, -6}), tt::per_element());
    BOOST_TEST(values_of(call("rsub_scalar", {x}, {1})) == std::vector<float>({2, 0.5f, -1, -2}), tt::per_element());
    BOOST_TEST(values_of(call("pow_scalar", {x}, {2})) == std::vector<float>({1, 0.25f, 4, 9}), tt::per_element());
    BOOST_TEST(values_of(call("pow_scalar", {x}, {3})) == std::vector<float>({-1, 0.125f, 8, 27}), tt::per_element());
    BOOST_TEST(values_of(call("pow_scalar", {x}, {-1})) == std::vector<float>({-1, 2, 0.5f, 1 / 3.0f}), tt::per_element());
    BOOST_TEST(values_of(call("pow_scalar", {tensor_of(ctx, {2}, {4, 0.25f})}, {0.5})) ==
                   std::vector<float>({2, 0.5f}), tt::per_element());
    // Non-integer powers of negative numbers are NaN, as in PyTorch (documented in scalar.cpp).
    BOOST_TEST(std::isnan(values_of(call("pow_scalar", {x}, {0.5}))[0]));
    BOOST_TEST(call("add_scalar", {x}, {1}).shape() == Shape({2, 2}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(scalar_op_gradients_match_finite_differences) {
    for (Shape shape : {Shape{3, 5}, Shape{1}, Shape{2, 1, 3}, Shape{7}}) {
        BOOST_TEST_CONTEXT(shape_text(shape)) {
            Tensor x = random_tensor(ctx, shape, 11);
            Tensor positive = random_tensor(ctx, shape, 12, 0.5f, 1.5f);
            BOOST_TEST(check_gradients(ctx, fn("add_scalar", {2.5}), {x}, smooth) == "");
            BOOST_TEST(check_gradients(ctx, fn("mul_scalar", {-1.5}), {x}, smooth) == "");
            BOOST_TEST(check_gradients(ctx, fn("rsub_scalar", {2}), {x}, smooth) == "");
            BOOST_TEST(check_gradients(ctx, fn("pow_scalar", {3}), {x}, smooth) == "");
            BOOST_TEST(check_gradients(ctx, fn("pow_scalar", {2}), {x}, smooth) == "");
            BOOST_TEST(check_gradients(ctx, fn("pow_scalar", {2.5}), {positive}, smooth) == "");
            BOOST_TEST(check_gradients(ctx, fn("pow_scalar", {-1.5}), {positive}, smooth) == "");
            BOOST_TEST(check_gradients(ctx, fn("pow_scalar", {0}), {x}, smooth) == "");
        }
    }
}

BOOST_AUTO_TEST_CASE(pow_scalar_gradient_by_hand) {
    Tensor x = tensor_of(ctx, {3}, {-2, 0, 3});
    BOOST_TEST(grad_of_sum(ctx, fn("pow_scalar", {2}), {x}, 0) == std::vector<float>({-4, 0, 6}), tt::per_element());
    BOOST_TEST(grad_of_sum(ctx, fn("pow_scalar", {0}), {x}, 0) == std::vector<float>({0, 0, 0}), tt::per_element());
    BOOST_TEST(grad_of_sum(ctx, fn("rsub_scalar", {5}), {x}, 0) == std::vector<float>({-1, -1, -1}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(scalar_ops_check_their_arguments) {
    Tensor x = ctx.zeros(DType::f32, {2});
    BOOST_TEST(error_of("mul_scalar", {ints_of(ctx, {2}, {1, 2})}, {2}) == "mul_scalar: input must be f32, got i32[2]");
    BOOST_TEST(error_of("add_scalar", {x}) == "add_scalar: takes 1 attributes (c), got 0");
}

// ---- permute, transpose ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(permute_moves_elements_by_hand) {
    Tensor x = iota(ctx, {2, 3, 4});
    Tensor y = call("permute", {x}, {2, 0, 1});
    BOOST_TEST(y.shape() == Shape({4, 2, 3}), tt::per_element());
    std::vector<float> expected;
    for (int k = 0; k < 4; ++k)
        for (int i = 0; i < 2; ++i)
            for (int j = 0; j < 3; ++j) expected.push_back(static_cast<float>(i * 12 + j * 4 + k));
    BOOST_TEST(values_of(y) == expected, tt::per_element());
    BOOST_TEST(values_of(call("permute", {x}, {-1, 1, 0}))[1] == 12.0f);  // y[0,0,1] = x[1,0,0]
    BOOST_TEST(values_of(call("permute", {x}, {0, 1, 2})) == values_of(x), tt::per_element());

    Tensor m = tensor_of(ctx, {2, 3}, {1, 2, 3, 4, 5, 6});
    BOOST_TEST(values_of(call("transpose", {m})) == std::vector<float>({1, 4, 2, 5, 3, 6}), tt::per_element());
    BOOST_TEST(call("transpose", {m}).shape() == Shape({3, 2}), tt::per_element());
    Tensor t = call("transpose", {x}, {0, 2});
    BOOST_TEST(t.shape() == Shape({4, 3, 2}), tt::per_element());
    BOOST_TEST(values_of(t)[1] == 12.0f);  // t[0,0,1] = x[1,0,0]
    Tensor labels = ints_of(ctx, {2, 2}, {1, 2, 3, 4});
    BOOST_TEST(ints_in(call("transpose", {labels})) == std::vector<int32_t>({1, 3, 2, 4}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(permute_gradients_are_the_inverse_permutation) {
    struct Case {
        Shape shape;
        Attrs axes;
    };
    for (const Case& c : {Case{{2, 3, 4}, {2, 0, 1}}, Case{{2, 3, 4}, {1, 2, 0}}, Case{{1, 5, 1, 3}, {3, 1, 0, 2}},
                          Case{{5}, {0}}, Case{{3, 1}, {1, 0}}, Case{{3, 2, 5, 1}, {2, 3, 1, 0}}}) {
        BOOST_TEST_CONTEXT(shape_text(c.shape)) {
            Tensor x = random_tensor(ctx, c.shape, 21);
            BOOST_TEST(check_gradients(ctx, fn("permute", c.axes), {x}, smooth) == "");
            if (c.shape.size() >= 2) {
                BOOST_TEST(check_gradients(ctx, fn("transpose"), {x}, smooth) == "");
                BOOST_TEST(check_gradients(ctx, fn("transpose", {0, -1}), {x}, smooth) == "");
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(bad_permutations_are_named) {
    Tensor x = ctx.zeros(DType::f32, {2, 3, 4});
    BOOST_TEST(error_of("permute", {x}, {0, 0, 1}) ==
               "permute: axes (0, 0, 1) are not a permutation of the 3 dims of f32[2, 3, 4]");
    BOOST_TEST(error_of("permute", {x}, {1, 0}) == "permute: needs one axis per dimension of f32[2, 3, 4], got 2");
    BOOST_TEST(error_of("permute", {x}, {0, 1, 3}) == "permute: axis 3 is out of range for rank 3");
    BOOST_TEST(error_of("transpose", {x}, {0, 3}) == "transpose: axis 3 is out of range for rank 3");
    BOOST_TEST(error_of("transpose", {x}, {1}) ==
               "transpose: takes both axes or neither (default -2, -1), got 1 attribute");
    BOOST_TEST(error_of("transpose", {ctx.zeros(DType::f32, {3})}) == "transpose: input must have rank >= 2, got f32[3]");
}

// ---- concat ------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(concat_joins_along_the_axis_by_hand) {
    Tensor a = tensor_of(ctx, {2, 1}, {1, 2});
    Tensor b = tensor_of(ctx, {2, 2}, {3, 4, 5, 6});
    BOOST_TEST(values_of(call("concat", {a, b}, {1})) == std::vector<float>({1, 3, 4, 2, 5, 6}), tt::per_element());
    BOOST_TEST(call("concat", {a, b}, {-1}).shape() == Shape({2, 3}), tt::per_element());
    Tensor c = tensor_of(ctx, {1, 2}, {7, 8});
    Tensor y = call("concat", {b, c, b});  // axis defaults to 0
    BOOST_TEST(y.shape() == Shape({5, 2}), tt::per_element());
    BOOST_TEST(values_of(y) == std::vector<float>({3, 4, 5, 6, 7, 8, 3, 4, 5, 6}), tt::per_element());
    BOOST_TEST(values_of(call("concat", {a})) == values_of(a), tt::per_element());
    Tensor i = ints_of(ctx, {2}, {1, 2}), j = ints_of(ctx, {1}, {3});
    BOOST_TEST(ints_in(call("concat", {i, j})) == std::vector<int32_t>({1, 2, 3}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(concat_gradients_slice_the_gradient) {
    struct Case {
        std::vector<Shape> shapes;
        double axis;
    };
    for (const Case& c : {Case{{{2, 3}, {2, 1}, {2, 4}}, 1}, Case{{{1, 3}, {3, 3}}, 0},
                          Case{{{3, 1, 5}, {3, 2, 5}, {3, 1, 5}}, -2}, Case{{{2, 3, 1}, {2, 3, 2}}, 2},
                          Case{{{5}}, 0}, Case{{{1, 1}, {1, 1}}, 1}}) {
        std::vector<Tensor> in;
        for (std::size_t k = 0; k < c.shapes.size(); ++k) in.push_back(random_tensor(ctx, c.shapes[k], 30 + k));
        BOOST_TEST_CONTEXT(shape_text(c.shapes[0]) << " axis " << c.axis) {
            BOOST_TEST(check_gradients(ctx, fn("concat", {c.axis}), in, smooth) == "");
        }
    }
    // An input that needs no gradient gets none; the others still do.
    std::vector<Tensor> in{random_tensor(ctx, {2, 3}, 40), random_tensor(ctx, {1, 3}, 41), random_tensor(ctx, {3, 3}, 42)};
    BOOST_TEST(check_gradients(ctx, fn("concat"), in, smooth, {true, false, true}) == "");
}

BOOST_AUTO_TEST_CASE(mismatched_concat_shapes_are_named) {
    Tensor a = ctx.zeros(DType::f32, {2, 3});
    BOOST_TEST(error_of("concat", {a, ctx.zeros(DType::f32, {3, 4})}, {1}) ==
               "concat: input 1 is f32[3, 4] but input 0 is f32[2, 3]; dtypes, ranks and sizes must "
               "match except along axis 1");
    BOOST_TEST(error_of("concat", {a, ctx.zeros(DType::f32, {2, 3, 1})}) ==
               "concat: input 1 is f32[2, 3, 1] but input 0 is f32[2, 3]; dtypes, ranks and sizes "
               "must match except along axis 0");
    BOOST_TEST(error_of("concat", {a, ctx.zeros(DType::i32, {2, 3})}) ==
               "concat: input 1 is i32[2, 3] but input 0 is f32[2, 3]; dtypes, ranks and sizes must "
               "match except along axis 0");
    BOOST_TEST(error_of("concat", {a, a}, {2}) == "concat: axis 2 is out of range for rank 2");
    BOOST_TEST(error_of("concat", {a, Tensor()}) == "concat: input 1 is missing");
    BOOST_TEST(error_of("concat", std::vector<Tensor>(17, a)).rfind("concat: takes 1 to 16 inputs, got 17", 0) == 0u);
}

// ---- slice -------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(slice_follows_python_ranges) {
    Tensor x = iota(ctx, {10});
    BOOST_TEST(values_of(call("slice", {x}, {0, 2, 5})) == std::vector<float>({2, 3, 4}), tt::per_element());
    BOOST_TEST(values_of(call("slice", {x}, {0, -3, 100})) == std::vector<float>({7, 8, 9}), tt::per_element());
    BOOST_TEST(values_of(call("slice", {x}, {0, 1, -1, 3})) == std::vector<float>({1, 4, 7}), tt::per_element());
    BOOST_TEST(values_of(call("slice", {x}, {0, -100, 2})) == std::vector<float>({0, 1}), tt::per_element());
    BOOST_TEST(values_of(call("slice", {x}, {0, 0, 10, 4})) == std::vector<float>({0, 4, 8}), tt::per_element());
    BOOST_TEST(call("slice", {x}, {0, 5, 2}).shape() == Shape({0}), tt::per_element());
    BOOST_TEST(call("slice", {x}, {0, 12, 20}).shape() == Shape({0}), tt::per_element());

    Tensor m = iota(ctx, {3, 4});
    BOOST_TEST(values_of(call("slice", {m}, {1, 1, 3})) == std::vector<float>({1, 2, 5, 6, 9, 10}), tt::per_element());
    BOOST_TEST(call("slice", {m}, {1, 1, 3}).shape() == Shape({3, 2}), tt::per_element());
    BOOST_TEST(values_of(call("slice", {m}, {-2, 0, 3, 2})) == std::vector<float>({0, 1, 2, 3, 8, 9, 10, 11}),
               tt::per_element());
    BOOST_TEST(ints_in(call("slice", {ints_of(ctx, {4}, {5, 6, 7, 8})}, {0, -2, 4})) == std::vector<int32_t>({7, 8}),
               tt::per_element());
}

BOOST_AUTO_TEST_CASE(slice_gradients_scatter_into_zeros) {
    struct Case {
        Shape shape;
        Attrs attrs;
    };
    for (const Case& c : {Case{{10}, {0, 2, 7}}, Case{{3, 7}, {1, 1, -1, 2}}, Case{{5, 1, 3}, {0, -4, 5, 3}},
                          Case{{2, 3, 5}, {-1, 4, 5}}, Case{{1, 1}, {0, 0, 1}}, Case{{4, 3}, {0, 3, 1}}}) {
        BOOST_TEST_CONTEXT(shape_text(c.shape)) {
            Tensor x = random_tensor(ctx, c.shape, 50);
            BOOST_TEST(check_gradients(ctx, fn("slice", c.attrs), {x}, smooth) == "");
        }
    }
    Tensor x = tensor_of(ctx, {5}, {1, 2, 3, 4, 5});
    BOOST_TEST(grad_of_sum(ctx, fn("slice", {0, 1, 5, 2}), {x}, 0) == std::vector<float>({0, 1, 0, 1, 0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(bad_slices_are_named) {
    Tensor x = ctx.zeros(DType::f32, {2, 3});
    BOOST_TEST(error_of("slice", {x}, {2, 0, 1}) == "slice: axis 2 is out of range for rank 2");
    BOOST_TEST(error_of("slice", {x}, {0, 0, 1, 0}) == "slice: step must be an integer in [1, 4611686018427387904], got 0");
    BOOST_TEST(error_of("slice", {x}, {0, 0.5, 1}) ==
               "slice: start must be an integer in [-4611686018427387904, 4611686018427387904], got 0.5");
    BOOST_TEST(error_of("slice", {ctx.zeros(DType::f32, {})}, {0, 0, 1}) == "slice: input must have rank >= 1, got f32[]");
}

// ---- embedding ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(embedding_looks_up_rows_by_hand) {
    Tensor table = iota(ctx, {4, 3});
    Tensor y = call("embedding", {ints_of(ctx, {2, 2}, {3, 0, 3, 1}), table});
    BOOST_TEST(y.shape() == Shape({2, 2, 3}), tt::per_element());
    BOOST_TEST(values_of(y) == std::vector<float>({9, 10, 11, 0, 1, 2, 9, 10, 11, 3, 4, 5}), tt::per_element());
    Tensor one = call("embedding", {ints_of(ctx, {}, {2}), table});
    BOOST_TEST(one.shape() == Shape({3}), tt::per_element());
    BOOST_TEST(values_of(one) == std::vector<float>({6, 7, 8}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(embedding_gradients_accumulate_repeated_indices) {
    Tensor indices = ints_of(ctx, {5}, {1, 1, 2, 1, 0});
    Tensor table = random_tensor(ctx, {3, 4}, 60);
    // sum(y): row r of the gradient counts how often r was looked up; row 3 never was.
    BOOST_TEST(grad_of_sum(ctx, fn("embedding"), {indices, random_tensor(ctx, {4, 2}, 61)}, 1) ==
                   std::vector<float>({1, 1, 3, 3, 1, 1, 0, 0}), tt::per_element());
    BOOST_TEST(check_gradients(ctx, fn("embedding"), {indices, table}, smooth, {false, true}) == "");
    BOOST_TEST(check_gradients(ctx, fn("embedding"), {ints_of(ctx, {2, 3}, {0, 4, 4, 2, 0, 4}),
                                                      random_tensor(ctx, {5, 1}, 62)},
                               smooth, {false, true}) == "");
    BOOST_TEST(check_gradients(ctx, fn("embedding"), {ints_of(ctx, {1}, {0}), random_tensor(ctx, {1, 7}, 63)},
                               smooth, {false, true}) == "");
    // Wide enough for the column-parallel accumulation to split into blocks.
    std::vector<int32_t> many;
    for (int i = 0; i < 300; ++i) many.push_back((i * 7) % 5);
    Tensor wide = random_tensor(ctx, {5, 130}, 64);
    std::vector<float> g = grad_of_sum(ctx, fn("embedding"), {ints_of(ctx, {300}, many), wide}, 1);
    BOOST_TEST(g[0] == 60.0f);
    BOOST_TEST(g[4 * 130 + 129] == 60.0f);
}

BOOST_AUTO_TEST_CASE(out_of_range_indices_are_named) {
    Tensor table = ctx.zeros(DType::f32, {4, 3});
    BOOST_TEST(error_of("embedding", {ints_of(ctx, {2, 2}, {0, 5, 1, 1}), table}) ==
               "embedding: index 5 (at position 1 of i32[2, 2]) is out of range for table f32[4, 3] with V = 4");
    BOOST_TEST(error_of("embedding", {ints_of(ctx, {1}, {-1}), table}) ==
               "embedding: index -1 (at position 0 of i32[1]) is out of range for table f32[4, 3] with V = 4");
    BOOST_TEST(error_of("embedding", {ctx.zeros(DType::f32, {2}), table}) == "embedding: indices must be i32, got f32[2]");
    BOOST_TEST(error_of("embedding", {ints_of(ctx, {1}, {0}), ctx.zeros(DType::f32, {4})}) ==
               "embedding: table must have rank 2, got f32[4]");
}

// ---- gather_classes ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(gather_classes_picks_one_logit_per_row) {
    Tensor logits = iota(ctx, {3, 4});
    Tensor y = call("gather_classes", {logits, ints_of(ctx, {3}, {2, 0, 3})});
    BOOST_TEST(y.shape() == Shape({3}), tt::per_element());
    BOOST_TEST(values_of(y) == std::vector<float>({2, 4, 11}), tt::per_element());
    BOOST_TEST(grad_of_sum(ctx, fn("gather_classes"), {logits, ints_of(ctx, {3}, {2, 0, 3})}, 0) ==
                   std::vector<float>({0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(gather_classes_gradients_scatter) {
    for (auto [n, c] : std::vector<std::pair<int, int>>{{3, 4}, {1, 1}, {7, 5}, {5, 1}}) {
        std::vector<int32_t> labels;
        for (int i = 0; i < n; ++i) labels.push_back((i * 3 + 1) % c);
        BOOST_TEST_CONTEXT(n << "x" << c) {
            BOOST_TEST(check_gradients(ctx, fn("gather_classes"),
                                       {random_tensor(ctx, {n, c}, 70), ints_of(ctx, {n}, labels)}, smooth,
                                       {true, false}) == "");
        }
    }
}

BOOST_AUTO_TEST_CASE(bad_labels_are_named) {
    Tensor logits = ctx.zeros(DType::f32, {3, 4});
    BOOST_TEST(error_of("gather_classes", {logits, ints_of(ctx, {3}, {0, 4, 1})}) ==
               "gather_classes: label 4 at row 1 is out of range for logits f32[3, 4] with C = 4");
    BOOST_TEST(error_of("gather_classes", {logits, ints_of(ctx, {3}, {0, 1, -2})}) ==
               "gather_classes: label -2 at row 2 is out of range for logits f32[3, 4] with C = 4");
    BOOST_TEST(error_of("gather_classes", {logits, ints_of(ctx, {2}, {0, 1})}) ==
               "gather_classes: labels i32[2] must have one label per row of logits f32[3, 4]");
    BOOST_TEST(error_of("gather_classes", {logits, ctx.zeros(DType::f32, {3})}) ==
               "gather_classes: labels must be i32, got f32[3]");
}

// ---- clamp -------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(clamp_by_hand_with_gradient_through_the_bounds) {
    Tensor x = tensor_of(ctx, {6}, {-2, -1, -0.5f, 0.5f, 1, 3});
    BOOST_TEST(values_of(call("clamp", {x}, {-1, 1})) == std::vector<float>({-1, -1, -0.5f, 0.5f, 1, 1}), tt::per_element());
    // PyTorch's convention: the gradient passes where lo <= x <= hi, bounds included.
    BOOST_TEST(grad_of_sum(ctx, fn("clamp", {-1, 1}), {x}, 0) == std::vector<float>({0, 1, 1, 1, 1, 0}), tt::per_element());
    const double inf = std::numeric_limits<double>::infinity();
    BOOST_TEST(values_of(call("clamp", {x}, {-inf, 0})) == std::vector<float>({-2, -1, -0.5f, 0, 0, 0}), tt::per_element());
    BOOST_TEST(values_of(call("clamp", {x}, {0.5, 0.5})) == std::vector<float>(6, 0.5f), tt::per_element());
    BOOST_TEST(std::isnan(values_of(call("clamp", {tensor_of(ctx, {1}, {NAN})}, {0, 1}))[0]));
    BOOST_TEST(error_of("clamp", {x}, {1, -1}) == "clamp: lo 1 must not exceed hi -1 (input f32[6])");
}

BOOST_AUTO_TEST_CASE(clamp_gradients_match_finite_differences_away_from_the_bounds) {
    const float lo = -0.4f, hi = 0.3f, margin = 0.05f;  // margin > eps keeps differences one-sided
    for (Shape shape : {Shape{4, 5}, Shape{1}, Shape{3, 1, 7}}) {
        Tensor x = random_tensor(ctx, shape, 80);
        float* p = x.data<float>();
        for (int64_t i = 0; i < x.numel(); ++i)
            for (float bound : {lo, hi})
                if (std::fabs(p[i] - bound) < margin) p[i] = bound + (p[i] < bound ? -margin : margin);
        BOOST_TEST_CONTEXT(shape_text(shape)) {
            BOOST_TEST(check_gradients(ctx, fn("clamp", {lo, hi}), {x}, smooth) == "");
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
