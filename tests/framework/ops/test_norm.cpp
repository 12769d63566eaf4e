// batch_norm and layer_norm: values and running-stat updates against loops in double,
// gradients by finite differences (through the batch statistics in training), shape errors.
#include <boost/test/unit_test.hpp>

#include "support/op_fixture.hpp"

#include <cmath>

using namespace chimera;
using namespace chimera::test;

namespace {

// Within float rounding of a unit-scale result computed in double.
bool close(double got, double expected, double tol = 1e-5) {
    return std::fabs(got - expected) <= tol * (1 + std::fabs(expected));
}

struct BatchNormCase {
    Tensor x, gamma, beta, running_mean, running_var;
};

std::vector<Tensor> inputs(const BatchNormCase& k) {
    return {k.x, k.gamma, k.beta, k.running_mean, k.running_var};
}

BatchNormCase batch_norm_case(Context& ctx, const Shape& shape, uint64_t seed) {
    const Shape c{shape[1]};
    return {random_tensor(ctx, shape, seed, -2, 3), random_tensor(ctx, c, seed + 1, 0.5f, 1.5f),
            random_tensor(ctx, c, seed + 2), random_tensor(ctx, c, seed + 3),
            random_tensor(ctx, c, seed + 4, 0.5f, 1.5f)};
}

// Per channel: the batch's mean and biased variance over N and the spatial dims.
struct ChannelStats {
    std::vector<double> mean, var;
    int64_t count;
};

ChannelStats channel_stats(const Tensor& x) {
    const int64_t n = x.dim(0), c = x.dim(1), s = x.numel() / (n * c);
    const float* p = x.data<float>();
    ChannelStats st{std::vector<double>(c, 0.0), std::vector<double>(c, 0.0), n * s};
    for (int64_t ch = 0; ch < c; ++ch) {
        double sum = 0, sq = 0;
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < s; ++j) sum += p[(i * c + ch) * s + j];
        st.mean[ch] = sum / st.count;
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < s; ++j) sq += std::pow(p[(i * c + ch) * s + j] - st.mean[ch], 2);
        st.var[ch] = sq / st.count;
    }
    return st;
}

// y = gamma (x - mean) / sqrt(var + eps) + beta per channel.
std::vector<double> normalised(const BatchNormCase& k, const std::vector<double>& mean,
                               const std::vector<double>& var, double eps) {
    const int64_t n = k.x.dim(0), c = k.x.dim(1), s = k.x.numel() / (n * c);
    std::vector<float> x = values_of(k.x), g = values_of(k.gamma), b = values_of(k.beta);
    std::vector<double> y(x.size());
    for (int64_t i = 0; i < n; ++i)
        for (int64_t ch = 0; ch < c; ++ch)
            for (int64_t j = 0; j < s; ++j) {
                int64_t at = (i * c + ch) * s + j;
                y[at] = g[ch] * (x[at] - mean[ch]) / std::sqrt(var[ch] + eps) + b[ch];
            }
    return y;
}

// Per row of the last dimension: (x - mean) / sqrt(var + eps) * gamma + beta.
std::vector<double> layer_normalised(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                     double eps) {
    const int64_t d = x.dim(-1), rows = x.numel() / d;
    const float* p = x.data<float>();
    std::vector<double> y(x.numel());
    for (int64_t r = 0; r < rows; ++r) {
        double mean = 0, var = 0;
        for (int64_t j = 0; j < d; ++j) mean += p[r * d + j];
        mean /= d;
        for (int64_t j = 0; j < d; ++j) var += std::pow(p[r * d + j] - mean, 2);
        var /= d;
        for (int64_t j = 0; j < d; ++j) {
            double g = gamma.defined() ? gamma.data<float>()[j] : 1.0;
            double b = beta.defined() ? beta.data<float>()[j] : 0.0;
            y[r * d + j] = (p[r * d + j] - mean) / std::sqrt(var + eps) * g + b;
        }
    }
    return y;
}

const std::vector<bool> x_gamma_beta{true, true, true, false, false};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(batch_norm, OpFixture)

BOOST_AUTO_TEST_CASE(defaults_train_with_momentum_0_1_and_eps_1e_5) {
    // Channel 0 holds 1 and 3: mean 2, biased var 1, unbiased var 2.
    Tensor x = tensor_of(ctx, {2, 1}, {1, 3});
    Tensor gamma = tensor_of(ctx, {1}, {1}), beta = tensor_of(ctx, {1}, {0});
    Tensor rm = tensor_of(ctx, {1}, {0}), rv = tensor_of(ctx, {1}, {1});
    std::vector<float> y = values_of(call("batch_norm", {x, gamma, beta, rm, rv}));
    BOOST_TEST(close(y[0], -1 / std::sqrt(1 + 1e-5), 1e-6));
    BOOST_TEST(close(y[1], 1 / std::sqrt(1 + 1e-5), 1e-6));
    BOOST_TEST(rm.data<float>()[0] == static_cast<float>(0.1 * 2 + 0.9 * 0));
    BOOST_TEST(rv.data<float>()[0] == static_cast<float>(0.1 * 2 + 0.9 * 1));
}

BOOST_AUTO_TEST_CASE(training_uses_batch_stats_and_updates_running_stats) {
    const double momentum = 0.3, eps = 1e-3;
    for (Shape shape : {Shape{4, 3}, Shape{2, 3, 5}, Shape{2, 4, 3, 2}, Shape{2, 2, 2, 3, 2}}) {
        BOOST_TEST_CONTEXT("x " << shape_text(shape)) {
            BatchNormCase k = batch_norm_case(ctx, shape, 10);
            std::vector<float> rm0 = values_of(k.running_mean), rv0 = values_of(k.running_var);
            ChannelStats st = channel_stats(k.x);
            std::vector<float> y = values_of(call("batch_norm", inputs(k), {1, momentum, eps}));
            std::vector<double> expected = normalised(k, st.mean, st.var, eps);
            for (std::size_t i = 0; i < y.size(); ++i)
                BOOST_TEST(close(y[i], expected[i]), "y[" << i << "] " << y[i] << " vs " << expected[i]);
            for (int64_t c = 0; c < shape[1]; ++c) {
                double unbiased = st.var[c] * st.count / (st.count - 1);
                double rm = (1 - momentum) * rm0[c] + momentum * st.mean[c];
                double rv = (1 - momentum) * rv0[c] + momentum * unbiased;
                // oneDNN's float statistics against double ones: a few float ulps apart.
                BOOST_TEST(close(k.running_mean.data<float>()[c], rm, 1e-6));
                BOOST_TEST(close(k.running_var.data<float>()[c], rv, 1e-6));
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(eval_uses_running_stats_and_leaves_them_alone) {
    const double eps = 1e-2;
    for (Shape shape : {Shape{1, 3}, Shape{2, 3, 5}, Shape{3, 2, 2, 2}}) {
        BOOST_TEST_CONTEXT("x " << shape_text(shape)) {
            BatchNormCase k = batch_norm_case(ctx, shape, 20);
            std::vector<float> rm0 = values_of(k.running_mean), rv0 = values_of(k.running_var);
            std::vector<float> y = values_of(call("batch_norm", inputs(k), {0, 0.1, eps}));
            std::vector<double> expected = normalised(k, std::vector<double>(rm0.begin(), rm0.end()),
                                                      std::vector<double>(rv0.begin(), rv0.end()), eps);
            for (std::size_t i = 0; i < y.size(); ++i)
                BOOST_TEST(close(y[i], expected[i]), "y[" << i << "] " << y[i] << " vs " << expected[i]);
            BOOST_TEST(values_of(k.running_mean) == rm0, boost::test_tools::per_element());
            BOOST_TEST(values_of(k.running_var) == rv0, boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences_in_both_modes) {
    for (Shape shape : {Shape{4, 3}, Shape{2, 3, 5}, Shape{3, 2, 2, 2}}) {
        for (double training : {1.0, 0.0}) {
            BOOST_TEST_CONTEXT("x " << shape_text(shape) << ", training " << training) {
                BatchNormCase k = batch_norm_case(ctx, shape, 30);
                BOOST_TEST(check_gradients(ctx, fn("batch_norm", {training, 0.1, 1e-5}), inputs(k),
                                           smooth, x_gamma_beta) == "");
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(shape_errors_name_the_op_and_shapes) {
    BatchNormCase k = batch_norm_case(ctx, {2, 3, 4}, 40);
    Tensor c4 = ctx.zeros(DType::f32, {4});
    BOOST_TEST(error_of("batch_norm", {k.x, c4, k.beta, k.running_mean, k.running_var}) ==
               "batch_norm: gamma f32[4] must be [3] for the channels of x f32[2, 3, 4]");
    BOOST_TEST(error_of("batch_norm", {k.x, k.gamma, k.beta, k.running_mean, c4}) ==
               "batch_norm: running_var f32[4] must be [3] for the channels of x f32[2, 3, 4]");
    BOOST_TEST(error_of("batch_norm", {ctx.zeros(DType::f32, {3}), k.gamma, k.beta, k.running_mean,
                                       k.running_var}) ==
               "batch_norm: input x must have rank >= 2, got f32[3]");
    Tensor single = ctx.zeros(DType::f32, {1, 3});
    BOOST_TEST(error_of("batch_norm", {single, k.gamma, k.beta, k.running_mean, k.running_var}) ==
               "batch_norm: training needs more than 1 value per channel, got x f32[1, 3]");
    BOOST_TEST(error_of("batch_norm", {single, k.gamma, k.beta, k.running_mean, k.running_var}, {0}) ==
               "no error");
    BOOST_TEST(error_of("batch_norm", inputs(k), {2}) ==
               "batch_norm: training must be an integer in [0, 1], got 2");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(layer_norm, OpFixture)

BOOST_AUTO_TEST_CASE(normalises_each_row_of_the_last_dimension) {
    Tensor x = random_tensor(ctx, {2, 3, 5}, 50, -2, 3);
    Tensor gamma = random_tensor(ctx, {5}, 51, 0.5f, 1.5f), beta = random_tensor(ctx, {5}, 52);
    struct Case {
        Tensor gamma, beta;
        Attrs attrs;
        double eps;
    };
    for (const Case& c : {Case{gamma, beta, {}, 1e-5}, Case{gamma, beta, {1e-2}, 1e-2},
                          Case{Tensor(), Tensor(), {}, 1e-5}, Case{gamma, Tensor(), {}, 1e-5},
                          Case{Tensor(), beta, {}, 1e-5}}) {
        BOOST_TEST_CONTEXT("gamma " << c.gamma.defined() << ", beta " << c.beta.defined()
                                    << ", eps " << c.eps) {
            std::vector<float> y = values_of(call("layer_norm", {x, c.gamma, c.beta}, c.attrs));
            std::vector<double> expected = layer_normalised(x, c.gamma, c.beta, c.eps);
            for (std::size_t i = 0; i < y.size(); ++i)
                BOOST_TEST(close(y[i], expected[i]), "y[" << i << "] " << y[i] << " vs " << expected[i]);
        }
    }
    std::vector<float> only_x = values_of(call("layer_norm", {x}));
    std::vector<double> expected = layer_normalised(x, Tensor(), Tensor(), 1e-5);
    for (std::size_t i = 0; i < only_x.size(); ++i) BOOST_TEST(close(only_x[i], expected[i]));
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences) {
    for (Shape shape : {Shape{3, 7}, Shape{2, 3, 5}, Shape{4}}) {
        BOOST_TEST_CONTEXT("x " << shape_text(shape)) {
            const Shape d{shape.back()};
            Tensor x = random_tensor(ctx, shape, 60, -2, 2);
            Tensor gamma = random_tensor(ctx, d, 61, 0.5f, 1.5f), beta = random_tensor(ctx, d, 62);
            BOOST_TEST(check_gradients(ctx, fn("layer_norm"), {x, gamma, beta}, smooth) == "");
            BOOST_TEST(check_gradients(ctx, fn("layer_norm"), {x}, smooth) == "");
            BOOST_TEST(check_gradients(ctx, fn("layer_norm"), {x, gamma}, smooth) == "");
            BOOST_TEST(check_gradients(ctx, fn("layer_norm"), {x, Tensor(), beta}, smooth) == "");
        }
    }
}

BOOST_AUTO_TEST_CASE(shape_errors_name_the_op_and_shapes) {
    Tensor x = ctx.zeros(DType::f32, {2, 5});
    BOOST_TEST(error_of("layer_norm", {x, ctx.zeros(DType::f32, {4})}) ==
               "layer_norm: gamma f32[4] must be [5] for the last dimension of x f32[2, 5]");
    BOOST_TEST(error_of("layer_norm", {x, Tensor(), ctx.zeros(DType::f32, {5, 1})}) ==
               "layer_norm: beta f32[5, 1] must be [5] for the last dimension of x f32[2, 5]");
    BOOST_TEST(error_of("layer_norm", {x}, {-1}) == "layer_norm: eps must be >= 0, got -1");
}

BOOST_AUTO_TEST_SUITE_END()
