// pad, upsample_nearest and upsample_bilinear: values by hand (torch's conventions), gradients by
// finite differences, attribute and shape errors, primitive reuse.
#include <boost/test/unit_test.hpp>

#include "autograd/graph.hpp"
#include "support/op_fixture.hpp"

#include <cmath>

using namespace chimera;
using namespace chimera::test;
namespace tt = boost::test_tools;

BOOST_FIXTURE_TEST_SUITE(pad_upsample, OpFixture)

// F.pad(x, (1, 0, 0, 1), value=9): the last dimension's pair first.
BOOST_AUTO_TEST_CASE(pad_pairs_run_from_the_last_dimension) {
    Tensor x = tensor_of(ctx, {2, 2}, {1, 2, 3, 4});
    Tensor y = call("pad", {x}, {9, 1, 0, 0, 1});
    BOOST_TEST(y.shape() == Shape({3, 3}), tt::per_element());
    BOOST_TEST(values_of(y) == std::vector<float>({9, 1, 2, 9, 3, 4, 9, 9, 9}), tt::per_element());
    BOOST_TEST(values_of(call("pad", {x}, {0, 0, 2})) == std::vector<float>({1, 2, 0, 0, 3, 4, 0, 0}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(pad_gradients_match_finite_differences) {
    Tensor x = random_tensor(ctx, {2, 3, 4}, 41);
    for (Attrs attrs : {Attrs{0.5, 1, 2}, Attrs{0, 0, 1, 2, 0}, Attrs{-1, 1, 1, 1, 1, 1, 1}})
        BOOST_TEST(check_gradients(ctx, fn("pad", attrs), {x}, smooth) == "");
}

BOOST_AUTO_TEST_CASE(pad_errors_name_the_op) {
    Tensor x = ctx.zeros(DType::f32, {2, 3});
    BOOST_TEST(error_of("pad", {x}, {0, 1, -1}) ==
               "pad: pad -1 for dimension 1 of x f32[2, 3] is negative; pads must be >= 0 (use slice to crop)");
    BOOST_TEST(error_of("pad", {x}, {0, 1}) ==
               "pad: pads must come in pairs (before, after), at most two per dimension of x f32[2, 3], got 1 numbers");
    BOOST_TEST(error_of("pad", {x}, {0, 1, 1, 1, 1, 1, 1}) ==
               "pad: pads must come in pairs (before, after), at most two per dimension of x f32[2, 3], got 6 numbers");
}

BOOST_AUTO_TEST_CASE(nearest_repeats_each_pixel) {
    Tensor x = tensor_of(ctx, {1, 1, 2, 2}, {1, 2, 3, 4});
    Tensor y = call("upsample_nearest", {x}, {2, 3});
    BOOST_TEST(y.shape() == Shape({1, 1, 4, 6}), tt::per_element());
    BOOST_TEST(values_of(y) == std::vector<float>({1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}),
               tt::per_element());
    x.set_requires_grad(true);
    backward(ctx, {call("upsample_nearest", {x}, {2, 3})}, {1.0});
    BOOST_TEST(values_of(x.grad()) == std::vector<float>({6, 6, 6, 6}), tt::per_element());
}

// F.interpolate(x, scale_factor=2, mode="bilinear") of [[0, 1], [2, 3]], align_corners false.
BOOST_AUTO_TEST_CASE(bilinear_matches_torch_without_aligned_corners) {
    Tensor x = tensor_of(ctx, {1, 1, 2, 2}, {0, 1, 2, 3});
    const std::vector<float> torch{0, 0.25f, 0.75f, 1, 0.5f, 0.75f, 1.25f, 1.5f, 1.5f, 1.75f, 2.25f, 2.5f, 2, 2.25f, 2.75f, 3};
    std::vector<float> y = values_of(call("upsample_bilinear", {x}, {2, 2}));
    BOOST_REQUIRE(y.size() == torch.size());
    for (std::size_t i = 0; i < y.size(); ++i) BOOST_TEST(std::fabs(y[i] - torch[i]) < 1e-6f);
}

BOOST_AUTO_TEST_CASE(upsample_gradients_match_finite_differences) {
    Tensor x = random_tensor(ctx, {2, 3, 4, 5}, 42);
    for (std::string op : {"upsample_nearest", "upsample_bilinear"})
        for (Attrs attrs : {Attrs{2, 2}, Attrs{3, 1}})
            BOOST_TEST_CONTEXT(op << " " << attrs[0] << "x" << attrs[1]) {
                BOOST_TEST(check_gradients(ctx, fn(op, attrs), {x}, smooth) == "");
            }
}

BOOST_AUTO_TEST_CASE(upsample_errors_name_the_op_and_shapes) {
    BOOST_TEST(error_of("upsample_bilinear", {ctx.zeros(DType::f32, {3, 4, 5})}, {2, 2}) ==
               "upsample_bilinear: input x must have rank 4, got f32[3, 4, 5]");
    BOOST_TEST(error_of("upsample_nearest", {ctx.zeros(DType::f32, {1, 1, 2, 2})}, {0, 2}) ==
               "upsample_nearest: scale_h must be an integer in [1, 4096], got 0");
    BOOST_TEST(error_of("upsample_nearest", {ctx.zeros(DType::f32, {1, 1, 2, 2})}, {1.5, 2}) ==
               "upsample_nearest: scale_h must be an integer in [1, 4096], got 1.5");
}

BOOST_AUTO_TEST_CASE(a_repeated_step_builds_no_primitive) {
    Tensor x = random_tensor(ctx, {2, 3, 4, 5}, 43);
    x.set_requires_grad(true);
    auto step = [&] { backward(ctx, {call("upsample_bilinear", {x}, {2, 2})}, {1.0}); };
    step();
    const uint64_t created = ctx.device().counters().primitives_created;
    step();
    BOOST_TEST(ctx.device().counters().primitives_created == created);
}

BOOST_AUTO_TEST_SUITE_END()
