// dropout: the kept fraction, the scale, reproducibility by seed and across thread counts,
// gradients (the checker replays the random state). matmul: batched and shared-b products
// against loops in double, gradients by finite differences, shape errors.
#include <boost/test/unit_test.hpp>

#include "support/op_fixture.hpp"

#include <cmath>

using namespace chimera;
using namespace chimera::test;

BOOST_FIXTURE_TEST_SUITE(dropout, OpFixture)

BOOST_AUTO_TEST_CASE(keeps_about_1_minus_p_and_scales_what_it_keeps) {
    Tensor x = random_away_from_zero(ctx, {400, 250}, 90);
    const std::vector<float> in = values_of(x);
    for (double p : {0.1, 0.5, 0.8}) {
        BOOST_TEST_CONTEXT("p " << p) {
            std::vector<float> y = values_of(call("dropout", {x}, {p}));
            const float scale = 1.0f / static_cast<float>(1.0 - p);
            int64_t kept = 0, wrong = 0;
            for (std::size_t i = 0; i < y.size(); ++i) {
                if (y[i] != 0.0f) ++kept;
                if (y[i] != 0.0f && y[i] != in[i] * scale) ++wrong;
            }
            // 100000 Bernoulli draws: the fraction's standard deviation is at most 0.0016.
            const double fraction = double(kept) / double(y.size());
            BOOST_TEST(std::fabs(fraction - (1 - p)) < 0.01, "kept " << fraction);
            BOOST_TEST(wrong == 0);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_same_seed_gives_the_same_mask_and_each_call_a_new_one) {
    Tensor x = random_away_from_zero(ctx, {1000}, 91);
    Context a(1, 123), b(1, 123);
    std::vector<float> ya = values_of(ops.call(a, "dropout", {x}, {0.5}).at(0));
    std::vector<float> yb = values_of(ops.call(b, "dropout", {x}, {0.5}).at(0));
    BOOST_TEST(ya == yb, boost::test_tools::per_element());
    std::vector<float> next = values_of(ops.call(a, "dropout", {x}, {0.5}).at(0));
    BOOST_TEST(next != ya);
    BOOST_TEST(a.device().streams_used() == 2u);
}

BOOST_AUTO_TEST_CASE(one_and_two_threads_give_identical_outputs) {
    Tensor x = random_away_from_zero(ctx, {300, 1000}, 92);
    Context one(1, 7), two(2, 7);
    BOOST_TEST(two.device().threads() == 2);
    std::vector<float> y1 = values_of(ops.call(one, "dropout", {x}, {0.3}).at(0));
    std::vector<float> y2 = values_of(ops.call(two, "dropout", {x}, {0.3}).at(0));
    BOOST_TEST(y1 == y2, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(p_0_and_eval_return_x_itself_and_p_1_zeros) {
    Tensor x = random_away_from_zero(ctx, {5, 4}, 93);
    const uint64_t streams = ctx.device().streams_used();
    BOOST_TEST(call("dropout", {x}, {0.0}).same(x));
    BOOST_TEST(call("dropout", {x}, {0.5, 0}).same(x));
    BOOST_TEST(ctx.device().streams_used() == streams);
    BOOST_TEST(values_of(call("dropout", {x}, {1.0})) == std::vector<float>(20, 0.0f),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences) {
    Tensor x = random_tensor(ctx, {6, 7}, 94);
    for (double p : {0.3, 0.5, 1.0}) {
        BOOST_TEST_CONTEXT("p " << p) {
            BOOST_TEST(check_gradients(ctx, fn("dropout", {p}), {x}, smooth) == "");
        }
    }
    BOOST_TEST(check_gradients(ctx, fn("dropout", {0.5, 0}), {x}, smooth) == "");
}

BOOST_AUTO_TEST_CASE(attribute_errors_name_the_op) {
    Tensor x = ctx.zeros(DType::f32, {3});
    BOOST_TEST(error_of("dropout", {x}, {1.5}) == "dropout: p must lie in [0, 1], got 1.5");
    BOOST_TEST(error_of("dropout", {x}, {-0.1}) == "dropout: p must lie in [0, 1], got -0.1");
    BOOST_TEST(error_of("dropout", {x}, {0.5, 3}) ==
               "dropout: training must be an integer in [0, 1], got 3");
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// a[B, M, K] b[B or 1, K, N] in double, b shared by every batch when it has one.
std::vector<double> product(const Tensor& a, const Tensor& b) {
    const int64_t m = a.dim(-2), k = a.dim(-1), n = b.dim(-1);
    const int64_t batches = a.numel() / (m * k);
    const bool shared = b.rank() == 2;
    const float *pa = a.data<float>(), *pb = b.data<float>();
    std::vector<double> y(batches * m * n, 0.0);
    for (int64_t t = 0; t < batches; ++t)
        for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) {
                double sum = 0;
                for (int64_t q = 0; q < k; ++q)
                    sum += double(pa[(t * m + i) * k + q]) * pb[((shared ? 0 : t) * k + q) * n + j];
                y[(t * m + i) * n + j] = sum;
            }
    return y;
}

struct MatmulCase {
    Shape a, b, y;
};

const std::vector<MatmulCase> matmul_cases = {
    {{3, 4}, {4, 2}, {3, 2}},                    // plain matrices
    {{2, 3, 4}, {2, 4, 5}, {2, 3, 5}},           // batched
    {{2, 3, 4}, {4, 5}, {2, 3, 5}},              // b shared by the batch
    {{2, 2, 3, 4}, {2, 2, 4, 5}, {2, 2, 3, 5}},  // two batch dims
    {{2, 2, 1, 4}, {4, 3}, {2, 2, 1, 3}},        // two batch dims, shared b, one row
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(matmul, OpFixture)

BOOST_AUTO_TEST_CASE(products_match_loops) {
    for (const MatmulCase& c : matmul_cases) {
        BOOST_TEST_CONTEXT("a " << shape_text(c.a) << ", b " << shape_text(c.b)) {
            Tensor a = random_tensor(ctx, c.a, 100), b = random_tensor(ctx, c.b, 101);
            Tensor y = call("matmul", {a, b});
            BOOST_TEST(shape_text(y.shape()) == shape_text(c.y));
            std::vector<float> got = values_of(y);
            std::vector<double> expected = product(a, b);
            for (std::size_t i = 0; i < got.size(); ++i)
                BOOST_TEST(std::fabs(got[i] - expected[i]) <= 1e-5, got[i] << " vs " << expected[i]);
        }
    }
}

BOOST_AUTO_TEST_CASE(an_empty_inner_dimension_gives_zeros) {
    Tensor y = call("matmul", {ctx.empty(DType::f32, {2, 3, 0}), ctx.empty(DType::f32, {0, 4})});
    BOOST_TEST(shape_text(y.shape()) == shape_text({2, 3, 4}));
    BOOST_TEST(values_of(y) == std::vector<float>(24, 0.0f), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences) {
    for (const MatmulCase& c : matmul_cases) {
        BOOST_TEST_CONTEXT("a " << shape_text(c.a) << ", b " << shape_text(c.b)) {
            Tensor a = random_tensor(ctx, c.a, 102), b = random_tensor(ctx, c.b, 103);
            BOOST_TEST(check_gradients(ctx, fn("matmul"), {a, b}, smooth) == "");
            BOOST_TEST(check_gradients(ctx, fn("matmul"), {a, b}, smooth, {true, false}) == "");
            BOOST_TEST(check_gradients(ctx, fn("matmul"), {a, b}, smooth, {false, true}) == "");
        }
    }
}

BOOST_AUTO_TEST_CASE(shape_errors_name_the_op_and_shapes) {
    auto z = [this](Shape s) { return ctx.zeros(DType::f32, std::move(s)); };
    BOOST_TEST(error_of("matmul", {z({2, 3, 4}), z({2, 5, 6})}) ==
               "matmul: a f32[2, 3, 4] has 4 columns but b f32[2, 5, 6] has 5 rows");
    BOOST_TEST(error_of("matmul", {z({2, 3, 4}), z({3, 4, 5})}) ==
               "matmul: b f32[3, 4, 5] must have the batch dims [2] of a f32[2, 3, 4], or rank 2");
    BOOST_TEST(error_of("matmul", {z({3, 4}), z({2, 4, 5})}) ==
               "matmul: b f32[2, 4, 5] must have the batch dims [] of a f32[3, 4], or rank 2");
    BOOST_TEST(error_of("matmul", {z({4}), z({4, 5})}) == "matmul: a must have rank >= 2, got f32[4]");
}

BOOST_AUTO_TEST_SUITE_END()
