// max_pool2d and avg_pool2d: values by hand and against direct loops, gradients by finite
// differences (max pooling on inputs without ties), shape errors, and primitive reuse.
#include <boost/test/unit_test.hpp>

#include "autograd/graph.hpp"
#include "support/op_fixture.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

using namespace chimera;
using namespace chimera::test;

namespace {

// oneDNN sums a window in another order than the loop below.
constexpr double reference_tol = 1e-5;

struct Window {
    int64_t kh, kw, sh, sw, ph, pw;
};

Window window_of(const Attrs& a) {
    auto at = [&](std::size_t i, int64_t fallback) {
        return i < a.size() ? static_cast<int64_t>(a[i]) : fallback;
    };
    Window w{at(0, 1), at(1, 1), 0, 0, at(4, 0), at(5, 0)};
    w.sh = at(2, w.kh), w.sw = at(3, w.kw);
    return w;
}

enum class Kind { max, avg_include_pad, avg_exclude_pad };

// PyTorch's definitions, one window at a time.
std::vector<float> pool_loops(const Tensor& x, const Window& k, Kind kind, Shape& y_shape) {
    const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
    const int64_t OH = (H + 2 * k.ph - k.kh) / k.sh + 1, OW = (W + 2 * k.pw - k.kw) / k.sw + 1;
    y_shape = {N, C, OH, OW};
    std::vector<float> y;
    for (int64_t nc = 0; nc < N * C; ++nc)
        for (int64_t i = 0; i < OH; ++i)
            for (int64_t j = 0; j < OW; ++j) {
                double best = -std::numeric_limits<double>::infinity(), sum = 0;
                int64_t real = 0;
                for (int64_t p = 0; p < k.kh; ++p)
                    for (int64_t q = 0; q < k.kw; ++q) {
                        const int64_t h = i * k.sh - k.ph + p, v = j * k.sw - k.pw + q;
                        if (h < 0 || h >= H || v < 0 || v >= W)
                            continue;
                        const double value = x.data<float>()[(nc * H + h) * W + v];
                        best = std::max(best, value);
                        sum += value;
                        ++real;
                    }
                const double divisor =
                    kind == Kind::avg_include_pad ? double(k.kh * k.kw) : double(real);
                y.push_back(static_cast<float>(kind == Kind::max ? best : sum / divisor));
            }
    return y;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        worst = std::max(worst, std::fabs(double(a[i]) - b[i]));
    return worst;
}

// Distinct values 0.1 apart in shuffled order: no window has a tie, and the finite-difference
// step (0.01) never changes which element is the maximum.
Tensor distinct_values(Context& ctx, const Shape& shape, unsigned seed) {
    Tensor t = ctx.empty(DType::f32, shape);
    std::vector<int64_t> order(static_cast<std::size_t>(t.numel()));
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), std::mt19937(seed));
    for (std::size_t i = 0; i < order.size(); ++i)
        t.data<float>()[i] =
            0.1f * static_cast<float>(order[i]) - 0.05f * static_cast<float>(order.size());
    return t;
}

struct Case {
    Shape x;
    Attrs attrs;  // kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w
};

const std::vector<Case> cases = {
    {{1, 1, 4, 4}, {2, 2}},
    {{2, 3, 7, 9}, {3, 3}},              // stride defaults to the kernel, rows left over
    {{1, 2, 8, 7}, {3, 2, 2, 1, 1, 1}},  // overlapping windows with padding
    {{1, 1, 5, 5}, {2, 2, 1, 1, 1, 1}},  // windows half in padding
    {{2, 16, 6, 6}, {3, 3, 2, 2, 1, 1}},
    {{1, 3, 5, 6}, {1, 3, 1, 2, 0, 1}},  // rectangular
};

std::string case_text(const Case& c) {
    std::string s = "x " + shape_text(c.x) + ", attrs";
    for (double a : c.attrs)
        s += " " + std::to_string(static_cast<int64_t>(a));
    return s;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(max_pool2d, OpFixture)

BOOST_AUTO_TEST_CASE(computes_small_cases_by_hand) {
    std::vector<float> counting(16);
    std::iota(counting.begin(), counting.end(), 1.0f);
    Tensor x = tensor_of(ctx, {1, 1, 4, 4}, counting);
    std::vector<float> expected{6, 8, 14, 16};
    BOOST_TEST(values_of(call("max_pool2d", {x}, {2, 2})) == expected,
               boost::test_tools::per_element());
    // Padding is never the maximum, even of negative values.
    Tensor negative = tensor_of(ctx, {1, 1, 2, 2}, {-1, -2, -3, -4});
    std::vector<float> padded{-1, -2, -3, -4};
    BOOST_TEST(values_of(call("max_pool2d", {negative}, {2, 2, 2, 2, 1, 1})) == padded,
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(matches_direct_loops) {
    unsigned seed = 1;
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(case_text(c)) {
            Tensor x = random_tensor(ctx, c.x, seed++);
            Shape y_shape;
            std::vector<float> expected = pool_loops(x, window_of(c.attrs), Kind::max, y_shape);
            Tensor y = call("max_pool2d", {x}, c.attrs);
            BOOST_TEST(shape_text(y.shape()) == shape_text(y_shape));
            BOOST_TEST(values_of(y) == expected, boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences) {
    unsigned seed = 1;
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(case_text(c)) {
            Tensor x = distinct_values(ctx, c.x, seed++);
            BOOST_TEST(check_gradients(ctx, fn("max_pool2d", c.attrs), {x}, smooth) == "");
        }
    }
}

BOOST_AUTO_TEST_CASE(shape_errors_name_the_op_and_shapes) {
    Tensor x = ctx.zeros(DType::f32, {1, 1, 4, 4});
    BOOST_TEST(error_of("max_pool2d", {x}, {7, 7, 1, 1, 1, 1}) ==
               "max_pool2d: kernel 7x7 is larger than the padded input 6x6; x f32[1, 1, 4, 4], "
               "padding 1x1");
    BOOST_TEST(error_of("max_pool2d", {x}, {5, 3, 1, 1, 0, 1}) ==
               "max_pool2d: kernel 5x3 is larger than the padded input 4x6; x f32[1, 1, 4, 4], "
               "padding 0x1");
    BOOST_TEST(error_of("max_pool2d", {x}, {3, 3, 1, 1, 2, 0}) ==
               "max_pool2d: padding 2x0 must be at most half the kernel 3x3");
    BOOST_TEST(error_of("max_pool2d", {ctx.zeros(DType::f32, {4, 4})}, {2, 2}) ==
               "max_pool2d: input x must have rank 4, got f32[4, 4]");
    BOOST_TEST(
        error_of("max_pool2d", {x}, {2}) ==
        "max_pool2d: takes 2 to 6 attributes (kernel[2], stride[2]=kernel, padding[2]=0), got 1");
    BOOST_TEST(error_of("max_pool2d", {x}, {2, 2, 0}) ==
               "max_pool2d: stride_h must be an integer in [1, 1048576], got 0");
}

BOOST_AUTO_TEST_CASE(a_repeated_step_builds_no_primitive) {
    Tensor x = distinct_values(ctx, {2, 3, 6, 6}, 9);
    x.set_requires_grad(true);
    auto step = [&] {
        Tensor y = call("max_pool2d", {x}, {3, 3, 2, 2, 1, 1});
        backward(ctx, {y}, {1.0});
    };
    step();
    const uint64_t created = ctx.device().counters().primitives_created;
    step();
    BOOST_TEST(ctx.device().counters().primitives_created == created);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(avg_pool2d, OpFixture)

BOOST_AUTO_TEST_CASE(computes_small_cases_by_hand) {
    Tensor x = tensor_of(ctx, {1, 1, 2, 2}, {1, 2, 3, 4});
    // A 2x2 window sliding over the input padded by 1 on every side.
    std::vector<float> include{0.25f, 0.75f, 0.5f, 1, 2.5f, 1.5f, 0.75f, 1.75f, 1};
    BOOST_TEST(values_of(call("avg_pool2d", {x}, {2, 2, 1, 1, 1, 1})) == include,
               boost::test_tools::per_element());
    BOOST_TEST(values_of(call("avg_pool2d", {x}, {2, 2, 1, 1, 1, 1, 1})) == include,
               boost::test_tools::per_element());
    std::vector<float> exclude{1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4};
    BOOST_TEST(values_of(call("avg_pool2d", {x}, {2, 2, 1, 1, 1, 1, 0})) == exclude,
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(matches_direct_loops) {
    unsigned seed = 1;
    for (const Case& c : cases) {
        for (int include_pad : {1, 0}) {
            BOOST_TEST_CONTEXT(case_text(c) << ", count_include_pad " << include_pad) {
                Tensor x = random_tensor(ctx, c.x, seed++);
                const Window k = window_of(c.attrs);
                Attrs attrs{double(k.kh), double(k.kw), double(k.sh),       double(k.sw),
                            double(k.ph), double(k.pw), double(include_pad)};
                Shape y_shape;
                std::vector<float> expected = pool_loops(
                    x, k, include_pad ? Kind::avg_include_pad : Kind::avg_exclude_pad, y_shape);
                Tensor y = call("avg_pool2d", {x}, attrs);
                BOOST_TEST(shape_text(y.shape()) == shape_text(y_shape));
                BOOST_TEST(max_abs_diff(values_of(y), expected) <= reference_tol);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences) {
    unsigned seed = 1;
    for (const Case& c : cases) {
        for (double include_pad : {1.0, 0.0}) {
            BOOST_TEST_CONTEXT(case_text(c) << ", count_include_pad " << include_pad) {
                Tensor x = random_tensor(ctx, c.x, seed++);
                const Window k = window_of(c.attrs);
                Attrs attrs{double(k.kh), double(k.kw), double(k.sh), double(k.sw),
                            double(k.ph), double(k.pw), include_pad};
                BOOST_TEST(check_gradients(ctx, fn("avg_pool2d", attrs), {x}, smooth) == "");
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(shape_errors_name_the_op_and_shapes) {
    Tensor x = ctx.zeros(DType::f32, {2, 3, 4, 5});
    BOOST_TEST(error_of("avg_pool2d", {x}, {6, 3, 1, 1, 0, 0}) ==
               "avg_pool2d: kernel 6x3 is larger than the padded input 4x5; x f32[2, 3, 4, 5], "
               "padding 0x0");
    BOOST_TEST(error_of("avg_pool2d", {x}, {2, 2, 1, 1, 0, 2}) ==
               "avg_pool2d: padding 0x2 must be at most half the kernel 2x2");
    BOOST_TEST(error_of("avg_pool2d", {x}, {2, 2, 2, 2, 0, 0, 2}) ==
               "avg_pool2d: count_include_pad must be an integer in [0, 1], got 2");
}

BOOST_AUTO_TEST_SUITE_END()
