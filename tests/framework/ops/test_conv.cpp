// conv2d and conv_transpose2d: values by hand and against direct loops, gradients by finite
// differences, shape errors, and that a repeated step builds no primitive.
#include <boost/test/unit_test.hpp>

#include "autograd/graph.hpp"
#include "support/op_fixture.hpp"

#include <algorithm>
#include <cmath>

using namespace chimera;
using namespace chimera::test;

namespace {

// oneDNN sums in another order than the loops below; products of values in [-1, 1], at most a
// few hundred per output.
constexpr double reference_tol = 1e-4;

// PyTorch's attributes, each op's defaults filled in.
struct Geometry {
    int64_t sh = 1, sw = 1, ph = 0, pw = 0, oph = 0, opw = 0, dh = 1, dw = 1, groups = 1;
};

int64_t attr(const Attrs& a, std::size_t i, int64_t fallback) {
    return i < a.size() ? static_cast<int64_t>(a[i]) : fallback;
}

Geometry conv_geometry(const Attrs& a) {
    Geometry g;
    g.sh = attr(a, 0, 1), g.sw = attr(a, 1, 1), g.ph = attr(a, 2, 0), g.pw = attr(a, 3, 0);
    g.dh = attr(a, 4, 1), g.dw = attr(a, 5, 1), g.groups = attr(a, 6, 1);
    return g;
}

Geometry transpose_geometry(const Attrs& a) {
    Geometry g;
    g.sh = attr(a, 0, 1), g.sw = attr(a, 1, 1), g.ph = attr(a, 2, 0), g.pw = attr(a, 3, 0);
    g.oph = attr(a, 4, 0), g.opw = attr(a, 5, 0), g.groups = attr(a, 6, 1);
    g.dh = attr(a, 7, 1), g.dw = attr(a, 8, 1);
    return g;
}

// y[n,o,i,j] = b[o] + sum x[n, c, i*sh - ph + p*dh, j*sw - pw + q*dw] w[o, c mod C/g, p, q].
std::vector<float> conv2d_loops(const Tensor& x, const Tensor& w, const Tensor& b,
                                const Geometry& g, Shape& y_shape) {
    const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
    const int64_t O = w.dim(0), Cg = w.dim(1), KH = w.dim(2), KW = w.dim(3), Og = O / g.groups;
    const int64_t OH = (H + 2 * g.ph - g.dh * (KH - 1) - 1) / g.sh + 1;
    const int64_t OW = (W + 2 * g.pw - g.dw * (KW - 1) - 1) / g.sw + 1;
    y_shape = {N, O, OH, OW};
    const float* xp = x.data<float>();
    const float* wp = w.data<float>();
    std::vector<float> y;
    for (int64_t n = 0; n < N; ++n)
        for (int64_t o = 0; o < O; ++o)
            for (int64_t i = 0; i < OH; ++i)
                for (int64_t j = 0; j < OW; ++j) {
                    double acc = b.defined() ? b.data<float>()[o] : 0.0;
                    for (int64_t cl = 0; cl < Cg; ++cl) {
                        const int64_t c = (o / Og) * Cg + cl;
                        for (int64_t p = 0; p < KH; ++p)
                            for (int64_t q = 0; q < KW; ++q) {
                                const int64_t h = i * g.sh - g.ph + p * g.dh,
                                              v = j * g.sw - g.pw + q * g.dw;
                                if (h < 0 || h >= H || v < 0 || v >= W)
                                    continue;
                                acc += double(xp[((n * C + c) * H + h) * W + v]) *
                                       wp[((o * Cg + cl) * KH + p) * KW + q];
                            }
                    }
                    y.push_back(static_cast<float>(acc));
                }
    return y;
}

// Each x[n,c,h,v] adds x * w[c, o mod O/g, p, q] to y[n, o, h*sh - ph + p*dh, v*sw - pw + q*dw].
std::vector<float> conv_transpose2d_loops(const Tensor& x, const Tensor& w, const Tensor& b,
                                          const Geometry& g, Shape& y_shape) {
    const int64_t N = x.dim(0), C = x.dim(1), H = x.dim(2), W = x.dim(3);
    const int64_t Og = w.dim(1), KH = w.dim(2), KW = w.dim(3), O = Og * g.groups, Cg = C / g.groups;
    const int64_t OH = (H - 1) * g.sh - 2 * g.ph + g.dh * (KH - 1) + g.oph + 1;
    const int64_t OW = (W - 1) * g.sw - 2 * g.pw + g.dw * (KW - 1) + g.opw + 1;
    y_shape = {N, O, OH, OW};
    std::vector<double> y(N * O * OH * OW, 0.0);
    for (int64_t n = 0; n < N; ++n)
        for (int64_t o = 0; o < O; ++o)
            for (int64_t k = 0; k < OH * OW; ++k)
                y[(n * O + o) * OH * OW + k] = b.defined() ? b.data<float>()[o] : 0;
    const float* xp = x.data<float>();
    const float* wp = w.data<float>();
    for (int64_t n = 0; n < N; ++n)
        for (int64_t c = 0; c < C; ++c)
            for (int64_t h = 0; h < H; ++h)
                for (int64_t v = 0; v < W; ++v)
                    for (int64_t ol = 0; ol < Og; ++ol) {
                        const int64_t o = (c / Cg) * Og + ol;
                        for (int64_t p = 0; p < KH; ++p)
                            for (int64_t q = 0; q < KW; ++q) {
                                const int64_t i = h * g.sh - g.ph + p * g.dh,
                                              j = v * g.sw - g.pw + q * g.dw;
                                if (i < 0 || i >= OH || j < 0 || j >= OW)
                                    continue;
                                y[((n * O + o) * OH + i) * OW + j] +=
                                    double(xp[((n * C + c) * H + h) * W + v]) *
                                    wp[((c * Og + ol) * KH + p) * KW + q];
                            }
                    }
    return std::vector<float>(y.begin(), y.end());
}

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        worst = std::max(worst, std::fabs(double(a[i]) - b[i]));
    return worst;
}

struct Case {
    Shape x, w;
    Attrs attrs;
};

// conv2d: x, w[O, C/g, kh, kw], (stride_h, stride_w, pad_h, pad_w, dilation_h, dilation_w, groups).
const std::vector<Case> conv_cases = {
    {{1, 1, 5, 5}, {1, 1, 3, 3}, {}},
    {{2, 3, 7, 9}, {4, 3, 3, 2}, {2, 2, 1, 1}},              // stride 2, padding, odd sizes
    {{1, 2, 9, 8}, {3, 2, 3, 3}, {1, 1, 2, 2, 2, 2}},        // dilation 2
    {{2, 4, 6, 5}, {6, 2, 3, 3}, {1, 1, 1, 1, 1, 1, 2}},     // groups 2
    {{3, 6, 5, 7}, {4, 3, 1, 3}, {2, 1, 0, 1, 1, 2, 2}},     // everything asymmetric
    {{1, 16, 6, 6}, {16, 16, 3, 3}, {1, 1, 1, 1}},           // blocked layouts, reordered
    {{1, 32, 5, 5}, {32, 1, 3, 3}, {2, 2, 1, 1, 1, 1, 32}},  // depthwise
};

// conv_transpose2d: x, w[C, O/g, kh, kw], (stride_h, stride_w, pad_h, pad_w, output_pad_h,
// output_pad_w, groups, dilation_h, dilation_w).
const std::vector<Case> transpose_cases = {
    {{1, 1, 3, 3}, {1, 1, 3, 3}, {}},
    {{2, 3, 4, 5}, {3, 2, 3, 3}, {2, 2, 1, 1, 1, 1}},           // stride 2, output padding
    {{1, 2, 5, 4}, {2, 3, 3, 2}, {1, 1, 2, 1, 0, 0, 1, 2, 2}},  // dilation 2
    {{2, 4, 3, 5}, {4, 3, 3, 3}, {2, 1, 1, 0, 1, 0, 2}},        // groups 2
    {{1, 2, 4, 4}, {2, 2, 3, 3}, {1, 1, 1, 1, 1, 1, 1, 2, 2}},  // output padding = stride
    {{1, 2, 4, 3}, {2, 2, 3, 3}, {2, 2, 0, 0, 2, 2, 1, 3, 3}},  // output padding beyond stride
    {{1, 16, 4, 4}, {16, 16, 3, 3}, {2, 2, 1, 1, 1, 1}},        // blocked layouts, reordered
};

std::string case_text(const Case& c) {
    std::string s = "x " + shape_text(c.x) + ", w " + shape_text(c.w) + ", attrs";
    for (double a : c.attrs)
        s += " " + std::to_string(static_cast<int64_t>(a));
    return s;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(conv2d, OpFixture)

BOOST_AUTO_TEST_CASE(computes_small_cases_by_hand) {
    Tensor x = tensor_of(ctx, {1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
    Tensor w = tensor_of(ctx, {1, 1, 2, 2}, {1, 2, 3, 4});
    Tensor b = tensor_of(ctx, {1}, {1});
    std::vector<float> expected{38, 48, 68, 78};
    BOOST_TEST(values_of(call("conv2d", {x, w, b})) == expected, boost::test_tools::per_element());
    // Stride 2, padding 1, a 2x2 sum: windows start at -1 and 1.
    Tensor ones = tensor_of(ctx, {1, 1, 2, 2}, {1, 1, 1, 1});
    std::vector<float> strided{1, 5, 11, 28};
    BOOST_TEST(values_of(call("conv2d", {x, ones}, {2, 2, 1, 1})) == strided,
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(matches_direct_loops) {
    uint64_t seed = 1;
    for (const Case& c : conv_cases) {
        BOOST_TEST_CONTEXT(case_text(c)) {
            Tensor x = random_tensor(ctx, c.x, seed++);
            Tensor w = random_tensor(ctx, c.w, seed++);
            Tensor b = random_tensor(ctx, {c.w[0]}, seed++);
            for (bool with_bias : {true, false}) {
                Shape y_shape;
                std::vector<float> expected =
                    conv2d_loops(x, w, with_bias ? b : Tensor(), conv_geometry(c.attrs), y_shape);
                Tensor y = with_bias ? call("conv2d", {x, w, b}, c.attrs)
                                     : call("conv2d", {x, w}, c.attrs);
                BOOST_TEST(shape_text(y.shape()) == shape_text(y_shape));
                BOOST_TEST(max_abs_diff(values_of(y), expected) <= reference_tol);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences) {
    uint64_t seed = 100;
    for (const Case& c : conv_cases) {
        BOOST_TEST_CONTEXT(case_text(c)) {
            Tensor x = random_tensor(ctx, c.x, seed++);
            Tensor w = random_tensor(ctx, c.w, seed++);
            Tensor b = random_tensor(ctx, {c.w[0]}, seed++);
            BOOST_TEST(check_gradients(ctx, fn("conv2d", c.attrs), {x, w, b}, smooth) == "");
        }
    }
    Tensor x = random_tensor(ctx, {2, 3, 5, 4}, 200);
    Tensor w = random_tensor(ctx, {2, 3, 2, 3}, 201);
    BOOST_TEST(check_gradients(ctx, fn("conv2d", {1, 2, 1, 0}), {x, w}, smooth) == "");
    // Only some inputs requiring gradients: the others get none.
    BOOST_TEST(check_gradients(ctx, fn("conv2d"), {x, w}, smooth, {true, false}) == "");
    BOOST_TEST(check_gradients(ctx, fn("conv2d"), {x, w}, smooth, {false, true}) == "");
}

BOOST_AUTO_TEST_CASE(shape_errors_name_the_op_and_shapes) {
    auto zeros = [&](const Shape& s) {
        return ctx.zeros(DType::f32, s);
    };
    BOOST_TEST(
        error_of("conv2d", {zeros({1, 3, 5, 5}), zeros({4, 2, 3, 3})}) ==
        "conv2d: x f32[1, 3, 5, 5] has 3 channels but w f32[4, 2, 3, 3] with groups 1 expects 2");
    BOOST_TEST(
        error_of("conv2d", {zeros({1, 4, 5, 5}), zeros({4, 4, 3, 3})}, {1, 1, 0, 0, 1, 1, 2}) ==
        "conv2d: x f32[1, 4, 5, 5] has 4 channels but w f32[4, 4, 3, 3] with groups 2 expects 8");
    BOOST_TEST(
        error_of("conv2d", {zeros({1, 4, 5, 5}), zeros({3, 2, 3, 3})}, {1, 1, 0, 0, 1, 1, 2}) ==
        "conv2d: groups 2 must divide the input channels of x f32[1, 4, 5, 5] and the output "
        "channels of w f32[3, 2, 3, 3]");
    BOOST_TEST(
        error_of("conv2d", {zeros({1, 1, 4, 4}), zeros({1, 1, 7, 7})}, {1, 1, 1, 1}) ==
        "conv2d: kernel 7x7 (dilated) is larger than the padded input 6x6; x f32[1, 1, 4, 4], "
        "w f32[1, 1, 7, 7], padding 1x1, dilation 1x1");
    BOOST_TEST(
        error_of("conv2d", {zeros({1, 1, 6, 9}), zeros({1, 1, 3, 3})}, {1, 1, 0, 0, 3, 3}) ==
        "conv2d: kernel 7x7 (dilated) is larger than the padded input 6x9; x f32[1, 1, 6, 9], "
        "w f32[1, 1, 3, 3], padding 0x0, dilation 3x3");
    BOOST_TEST(error_of("conv2d", {zeros({1, 2, 5, 5}), zeros({4, 2, 3, 3}), zeros({2})}) ==
               "conv2d: bias f32[2] must be [4] for w f32[4, 2, 3, 3]");
    BOOST_TEST(error_of("conv2d", {zeros({2, 5, 5}), zeros({4, 2, 3, 3})}) ==
               "conv2d: input x must have rank 4, got f32[2, 5, 5]");
    BOOST_TEST(error_of("conv2d", {zeros({1, 2, 5, 5}), zeros({4, 2, 3, 3})}, {0}) ==
               "conv2d: stride_h must be an integer in [1, 1048576], got 0");
}

BOOST_AUTO_TEST_CASE(a_repeated_step_builds_no_primitive) {
    Tensor x = random_tensor(ctx, {2, 16, 7, 7}, 1);
    Tensor w = random_tensor(ctx, {16, 8, 3, 3}, 2);
    Tensor b = random_tensor(ctx, {16}, 3);
    for (Tensor* t : {&x, &w, &b})
        t->set_requires_grad(true);
    auto step = [&] {
        Tensor y = call("conv2d", {x, w, b}, {2, 2, 1, 1, 1, 1, 2});
        backward(ctx, {y}, {1.0});
    };
    step();
    const RuntimeCounters first = ctx.device().counters();
    step();
    const RuntimeCounters second = ctx.device().counters();
    BOOST_TEST(second.primitives_created == first.primitives_created);
    BOOST_TEST(second.primitive_cache_hits > first.primitive_cache_hits);
    BOOST_TEST(x.grad().defined());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(conv_transpose2d, OpFixture)

BOOST_AUTO_TEST_CASE(computes_small_cases_by_hand) {
    Tensor x = tensor_of(ctx, {1, 1, 2, 2}, {1, 2, 3, 4});
    Tensor ones = tensor_of(ctx, {1, 1, 2, 2}, {1, 1, 1, 1});
    std::vector<float> overlapping{1, 3, 2, 4, 10, 6, 3, 7, 4};
    BOOST_TEST(values_of(call("conv_transpose2d", {x, ones})) == overlapping,
               boost::test_tools::per_element());
    // Stride 2: each input becomes a 2x2 block; output padding adds a row and a column of bias.
    Tensor b = tensor_of(ctx, {1}, {0.5f});
    std::vector<float> blocks{1.5f, 1.5f, 2.5f, 2.5f, 0.5f, 1.5f, 1.5f, 2.5f, 2.5f,
                              0.5f, 3.5f, 3.5f, 4.5f, 4.5f, 0.5f, 3.5f, 3.5f, 4.5f,
                              4.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
    Tensor y = call("conv_transpose2d", {x, ones, b}, {2, 2, 0, 0, 1, 1});
    BOOST_TEST(shape_text(y.shape()) == "[1, 1, 5, 5]");
    BOOST_TEST(values_of(y) == blocks, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(matches_direct_loops) {
    uint64_t seed = 1;
    for (const Case& c : transpose_cases) {
        BOOST_TEST_CONTEXT(case_text(c)) {
            Tensor x = random_tensor(ctx, c.x, seed++);
            Tensor w = random_tensor(ctx, c.w, seed++);
            const Geometry g = transpose_geometry(c.attrs);
            Tensor b = random_tensor(ctx, {c.w[1] * g.groups}, seed++);
            for (bool with_bias : {true, false}) {
                Shape y_shape;
                std::vector<float> expected =
                    conv_transpose2d_loops(x, w, with_bias ? b : Tensor(), g, y_shape);
                Tensor y = with_bias ? call("conv_transpose2d", {x, w, b}, c.attrs)
                                     : call("conv_transpose2d", {x, w}, c.attrs);
                BOOST_TEST(shape_text(y.shape()) == shape_text(y_shape));
                BOOST_TEST(max_abs_diff(values_of(y), expected) <= reference_tol);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences) {
    uint64_t seed = 100;
    for (const Case& c : transpose_cases) {
        BOOST_TEST_CONTEXT(case_text(c)) {
            Tensor x = random_tensor(ctx, c.x, seed++);
            Tensor w = random_tensor(ctx, c.w, seed++);
            Tensor b = random_tensor(ctx, {c.w[1] * transpose_geometry(c.attrs).groups}, seed++);
            BOOST_TEST(check_gradients(ctx, fn("conv_transpose2d", c.attrs), {x, w, b}, smooth) ==
                       "");
        }
    }
    Tensor x = random_tensor(ctx, {1, 3, 4, 3}, 200);
    Tensor w = random_tensor(ctx, {3, 2, 2, 3}, 201);
    BOOST_TEST(check_gradients(ctx, fn("conv_transpose2d", {2, 1, 0, 1}), {x, w}, smooth) == "");
}

BOOST_AUTO_TEST_CASE(shape_errors_name_the_op_and_shapes) {
    auto zeros = [&](const Shape& s) {
        return ctx.zeros(DType::f32, s);
    };
    BOOST_TEST(
        error_of("conv_transpose2d", {zeros({1, 3, 4, 4}), zeros({2, 2, 3, 3})}) ==
        "conv_transpose2d: x f32[1, 3, 4, 4] has 3 channels but w f32[2, 2, 3, 3] expects 2");
    BOOST_TEST(error_of("conv_transpose2d", {zeros({1, 3, 4, 4}), zeros({3, 2, 3, 3})},
                        {1, 1, 0, 0, 0, 0, 2}) ==
               "conv_transpose2d: groups 2 must divide the input channels of x f32[1, 3, 4, 4]");
    BOOST_TEST(
        error_of("conv_transpose2d", {zeros({1, 2, 4, 4}), zeros({2, 3, 3, 3}), zeros({2})}) ==
        "conv_transpose2d: bias f32[2] must be [3] for w f32[2, 3, 3, 3] with groups 1");
    BOOST_TEST(
        error_of("conv_transpose2d", {zeros({1, 1, 4, 4}), zeros({1, 1, 3, 3})}, {2, 2, 0, 0, 2}) ==
        "conv_transpose2d: output_pad_h 2 must be smaller than stride_h 2 or dilation_h 1");
    BOOST_TEST(
        error_of("conv_transpose2d", {zeros({1, 1, 4, 4}), zeros({1, 1, 3, 3})},
                 {1, 1, 1, 1, 2, 0, 1, 3}) ==
        "conv_transpose2d: output_pad_h 2 must be at most pad_h + 2 stride_h - 2 = 1 (a limit of "
        "oneDNN); pad the output instead");
    BOOST_TEST(
        error_of("conv_transpose2d", {zeros({1, 1, 2, 2}), zeros({1, 1, 3, 3})}, {1, 1, 3, 3}) ==
        "conv_transpose2d: output would be -2x-2 for x f32[1, 1, 2, 2], w f32[1, 1, 3, 3], padding "
        "3x3");
}

BOOST_AUTO_TEST_CASE(a_repeated_step_builds_no_primitive) {
    Tensor x = random_tensor(ctx, {2, 16, 5, 5}, 1);
    Tensor w = random_tensor(ctx, {16, 8, 3, 3}, 2);
    for (Tensor* t : {&x, &w})
        t->set_requires_grad(true);
    auto step = [&] {
        Tensor y = call("conv_transpose2d", {x, w}, {2, 2, 1, 1, 1, 1, 2});
        backward(ctx, {y}, {1.0});
    };
    step();
    const uint64_t created = ctx.device().counters().primitives_created;
    step();
    BOOST_TEST(ctx.device().counters().primitives_created == created);
}

BOOST_AUTO_TEST_SUITE_END()
