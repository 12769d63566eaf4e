// The eltwise family (and erf): values against <cmath>, gradients by finite differences.
#include <boost/test/unit_test.hpp>

#include "support/op_fixture.hpp"

#include <cmath>
#include <functional>

using namespace chimera;
using namespace chimera::test;

namespace {

struct Case {
    std::string op;
    std::function<double(double)> f;
    float lo, hi;  // input range where the op is smooth and defined
    Attrs attrs;
};

double gelu(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }

const std::vector<Case> cases = {
    {"relu", [](double x) { return x > 0 ? x : 0; }, -1, 1, {}},
    {"leaky_relu", [](double x) { return x > 0 ? x : 0.2 * x; }, -1, 1, {0.2}},
    {"elu", [](double x) { return x > 0 ? x : 0.5 * (std::exp(x) - 1); }, -1, 1, {0.5}},
    {"gelu", gelu, -2, 2, {}},
    {"tanh", [](double x) { return std::tanh(x); }, -2, 2, {}},
    {"sigmoid", [](double x) { return 1 / (1 + std::exp(-x)); }, -3, 3, {}},
    {"softplus", [](double x) { return std::log1p(std::exp(x)); }, -3, 3, {}},
    {"exp", [](double x) { return std::exp(x); }, -1, 1, {}},
    {"log", [](double x) { return std::log(x); }, 0.5, 2, {}},
    {"sqrt", [](double x) { return std::sqrt(x); }, 0.5, 2, {}},
    {"square", [](double x) { return x * x; }, -2, 2, {}},
    {"abs", [](double x) { return std::fabs(x); }, -1, 1, {}},
    {"silu", [](double x) { return x / (1 + std::exp(-x)); }, -3, 3, {}},
    {"erf", [](double x) { return std::erf(x); }, -2, 2, {}},  // its own loop, not oneDNN's eltwise
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(eltwise, OpFixture)

BOOST_AUTO_TEST_CASE(values_match_the_math_library) {
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT(c.op) {
            Tensor x = random_tensor(ctx, {3, 17}, 5, c.lo, c.hi);
            std::vector<float> y = values_of(call(c.op, {x}, c.attrs));
            std::vector<float> in = values_of(x);
            // oneDNN's transcendentals are polynomial approximations: about 1e-6 absolute.
            const double abs_tol = 1e-5, rel_tol = 1e-5;
            for (std::size_t i = 0; i < y.size(); ++i) {
                double expected = c.f(in[i]);
                BOOST_TEST(std::fabs(y[i] - expected) <= abs_tol + rel_tol * std::fabs(expected),
                           "x=" << in[i] << ": " << y[i] << " vs " << expected);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences) {
    for (const auto& c : cases) {
        for (Shape s : {Shape{1}, Shape{2, 3, 5}}) {
            BOOST_TEST_CONTEXT(c.op << " " << shape_text(s)) {
                // Kinked ops are checked away from their kink at zero.
                Tensor x = c.lo < 0 ? random_away_from_zero(ctx, s, 11)
                                    : random_tensor(ctx, s, 11, c.lo, c.hi);
                BOOST_TEST(check_gradients(ctx, fn(c.op, c.attrs), {x}, smooth) == "");
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(leaky_relu_defaults_to_slope_0_01) {
    Tensor x = tensor_of(ctx, {2}, {-2, 3});
    std::vector<float> expected{-0.02f, 3};
    BOOST_TEST(values_of(call("leaky_relu", {x})) == expected, boost::test_tools::tolerance(1e-6f) << boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
