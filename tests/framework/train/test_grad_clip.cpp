// Gradient clipping by global norm: the norm over two small gradients computed by hand, the
// scaled gradients, nothing scaled under the limit, with max_norm 0 or a non-finite norm, and
// parameters without a gradient skipped.
#define BOOST_TEST_MODULE framework_train
#include <boost/test/unit_test.hpp>

#include "train/grad_clip.hpp"

#include <cmath>
#include <limits>

using namespace chimera;

namespace {

// The norm is summed in double from exactly representable squares: exact up to sqrt's rounding.
constexpr double norm_tolerance = 1e-12;
// Scaled gradients are rounded to float.
constexpr double grad_tolerance = 1e-6;

struct Params {
    std::shared_ptr<BufferPool> pool = std::make_shared<BufferPool>();
    std::vector<Tensor> list;

    // A parameter of this shape whose gradient holds `grad` (none when empty).
    Tensor& add(const Shape& shape, const std::vector<float>& grad) {
        Tensor p = Tensor::empty(pool, DType::f32, shape, true);
        if (!grad.empty()) {
            Tensor g = Tensor::empty(pool, DType::f32, shape);
            std::copy(grad.begin(), grad.end(), g.data<float>());
            p.impl()->grad = g.shared();
        }
        list.push_back(p);
        return list.back();
    }
};

std::vector<float> grad_of(const Tensor& p) {
    Tensor g = p.grad();
    return std::vector<float>(g.data<float>(), g.data<float>() + g.numel());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(grad_clip)

// a: [3, 4] -> 25; b: [[1, 2], [2, 4]] -> 25; together sqrt(50).
BOOST_AUTO_TEST_CASE(the_norm_covers_every_gradient_and_clipping_scales_them_all) {
    Params ps;
    ps.add({2}, {3, 4});
    ps.add({3}, {});  // no gradient: skipped
    ps.add({2, 2}, {1, 2, 2, 4});
    ps.list.push_back(Tensor());  // an empty handle: skipped
    const double expected = std::sqrt(50.0);
    double norm = clip_grad_norm(ps.list, 1.0);
    BOOST_TEST(std::fabs(norm - expected) <= norm_tolerance);

    const double scale = 1.0 / (expected + 1e-6);
    const std::vector<float> a = grad_of(ps.list[0]), b = grad_of(ps.list[2]);
    const std::vector<double> a_want{3 * scale, 4 * scale}, b_want{1 * scale, 2 * scale, 2 * scale, 4 * scale};
    for (std::size_t i = 0; i < a.size(); ++i) BOOST_TEST(std::fabs(a[i] - a_want[i]) <= grad_tolerance);
    for (std::size_t i = 0; i < b.size(); ++i) BOOST_TEST(std::fabs(b[i] - b_want[i]) <= grad_tolerance);
    BOOST_TEST(!ps.list[1].grad().defined());
    // After clipping the norm is max_norm (less the 1e-6 guard).
    BOOST_TEST(std::fabs(clip_grad_norm(ps.list, 0) - 1.0) <= grad_tolerance);
}

BOOST_AUTO_TEST_CASE(nothing_changes_under_the_limit_or_with_max_norm_zero) {
    Params ps;
    ps.add({2}, {3, 4});
    ps.add({2, 2}, {1, 2, 2, 4});
    BOOST_TEST(std::fabs(clip_grad_norm(ps.list, 10.0) - std::sqrt(50.0)) <= norm_tolerance);
    BOOST_TEST(std::fabs(clip_grad_norm(ps.list, 0.0) - std::sqrt(50.0)) <= norm_tolerance);
    BOOST_TEST(std::fabs(clip_grad_norm(ps.list, -1.0) - std::sqrt(50.0)) <= norm_tolerance);
    BOOST_TEST(grad_of(ps.list[0]) == (std::vector<float>{3, 4}), boost::test_tools::per_element());
    BOOST_TEST(grad_of(ps.list[1]) == (std::vector<float>{1, 2, 2, 4}), boost::test_tools::per_element());
    BOOST_TEST(clip_grad_norm({}, 1.0) == 0.0);
}

BOOST_AUTO_TEST_CASE(a_non_finite_norm_is_returned_and_nothing_is_scaled) {
    Params ps;
    const float inf = std::numeric_limits<float>::infinity();
    ps.add({2}, {3, inf});
    ps.add({2}, {1, 2});
    BOOST_TEST(std::isinf(clip_grad_norm(ps.list, 1.0)));
    BOOST_TEST(grad_of(ps.list[1]) == (std::vector<float>{1, 2}), boost::test_tools::per_element());
    ps.list[0].grad().data<float>()[1] = std::numeric_limits<float>::quiet_NaN();
    BOOST_TEST(std::isnan(clip_grad_norm(ps.list, 1.0)));
    BOOST_TEST(grad_of(ps.list[1]) == (std::vector<float>{1, 2}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_SUITE_END()
