// softmax and log_softmax: values along every axis against loops in double, stability on large
// inputs, gradients by finite differences, axis errors.
#include <boost/test/unit_test.hpp>

#include "support/op_fixture.hpp"

#include <algorithm>
#include <cmath>

using namespace chimera;
using namespace chimera::test;

namespace {

// softmax (or its log) of x along `axis`, in double with the max shifted out.
std::vector<double> reference(const Tensor& x, int axis, bool log) {
    const Shape& s = x.shape();
    int64_t outer = 1, inner = 1;
    for (int i = 0; i < axis; ++i) outer *= s[i];
    for (std::size_t i = axis + 1; i < s.size(); ++i) inner *= s[i];
    const int64_t d = s[axis];
    const float* p = x.data<float>();
    std::vector<double> y(x.numel());
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t in = 0; in < inner; ++in) {
            auto at = [&](int64_t j) { return (o * d + j) * inner + in; };
            double top = p[at(0)], sum = 0;
            for (int64_t j = 1; j < d; ++j) top = std::max<double>(top, p[at(j)]);
            for (int64_t j = 0; j < d; ++j) sum += std::exp(p[at(j)] - top);
            for (int64_t j = 0; j < d; ++j)
                y[at(j)] = log ? p[at(j)] - top - std::log(sum) : std::exp(p[at(j)] - top) / sum;
        }
    return y;
}

// oneDNN's exp and log are polynomial approximations: up to about 3e-6 relative in 2.6's
// logsoftmax (log of a one-element axis gives 1.4e-6, not 0), so the eltwise tests' 1e-5.
bool close(double got, double expected) {
    return std::fabs(got - expected) <= 1e-5 * (1 + std::fabs(expected));
}

const char* const softmax_ops[] = {"softmax", "log_softmax"};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(softmax, OpFixture)

BOOST_AUTO_TEST_CASE(values_along_every_axis_match_the_reference) {
    Tensor x = random_tensor(ctx, {2, 3, 4}, 70, -3, 3);
    for (const char* op : softmax_ops) {
        for (int axis : {0, 1, 2, -1, -3}) {
            BOOST_TEST_CONTEXT(op << " axis " << axis) {
                Attrs attrs{static_cast<double>(axis)};
                std::vector<float> y = values_of(call(op, {x}, attrs));
                std::vector<double> expected = reference(x, axis < 0 ? axis + 3 : axis, op[0] == 'l');
                for (std::size_t i = 0; i < y.size(); ++i)
                    BOOST_TEST(close(y[i], expected[i]),
                               "y[" << i << "] " << y[i] << " vs " << expected[i]);
            }
        }
        BOOST_TEST_CONTEXT(op << " default axis") {
            std::vector<float> y = values_of(call(op, {x}));
            std::vector<double> expected = reference(x, 2, op[0] == 'l');
            for (std::size_t i = 0; i < y.size(); ++i) BOOST_TEST(close(y[i], expected[i]));
        }
    }
}

BOOST_AUTO_TEST_CASE(large_inputs_stay_finite) {
    // exp overflows float past 88.7: these rows only work with the max shifted out.
    Tensor x = tensor_of(ctx, {3, 3}, {1000, 1001, 1002, -1000, -1001, -1002, 89, 0, -89});
    std::vector<float> y = values_of(call("softmax", {x}));
    std::vector<float> ly = values_of(call("log_softmax", {x}));
    std::vector<double> expected = reference(x, 1, false), log_expected = reference(x, 1, true);
    for (std::size_t i = 0; i < y.size(); ++i) {
        BOOST_TEST(std::isfinite(y[i]));
        BOOST_TEST(std::isfinite(ly[i]));
        BOOST_TEST(close(y[i], expected[i]), "softmax[" << i << "] " << y[i] << " vs " << expected[i]);
        BOOST_TEST(close(ly[i], log_expected[i]), "log_softmax[" << i << "] " << ly[i] << " vs "
                                                                  << log_expected[i]);
    }
    // softmax of [1000, 1001, 1002] is softmax of [0, 1, 2]; its log of [89, 0, -89] reaches -178.
    BOOST_TEST(close(y[2], std::exp(2.0) / (1 + std::exp(1.0) + std::exp(2.0))));
    BOOST_TEST(close(ly[8], -178.0));
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences) {
    Tensor x3 = random_tensor(ctx, {2, 3, 4}, 80, -2, 2);
    Tensor x1 = random_tensor(ctx, {6}, 81, -2, 2);
    for (const char* op : softmax_ops) {
        for (int axis : {0, 1, -1}) {
            BOOST_TEST_CONTEXT(op << " axis " << axis) {
                BOOST_TEST(check_gradients(ctx, fn(op, {double(axis)}), {x3}, smooth) == "");
            }
        }
        BOOST_TEST_CONTEXT(op << " rank 1") {
            BOOST_TEST(check_gradients(ctx, fn(op), {x1}, smooth) == "");
        }
    }
}

BOOST_AUTO_TEST_CASE(a_scalar_is_one_element_along_its_only_axis) {
    Tensor x = tensor_of(ctx, {}, {5});
    BOOST_TEST(values_of(call("softmax", {x})) == std::vector<float>{1.0f},
               boost::test_tools::per_element());
    BOOST_TEST(close(values_of(call("log_softmax", {x}))[0], 0.0));
    BOOST_TEST(call("softmax", {x}).rank() == 0);
}

BOOST_AUTO_TEST_CASE(axis_errors_name_the_op) {
    Tensor x = ctx.zeros(DType::f32, {2, 3});
    BOOST_TEST(error_of("softmax", {x}, {2}) == "softmax: axis 2 is out of range for rank 2");
    BOOST_TEST(error_of("log_softmax", {x}, {-3}) == "log_softmax: axis -3 is out of range for rank 2");
    BOOST_TEST(error_of("softmax", {x}, {0.5}) ==
               "softmax: axis must be an integer in [-64, 64], got 0.5");
}

BOOST_AUTO_TEST_SUITE_END()
