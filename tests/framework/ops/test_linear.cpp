// linear: forward values by hand, gradients by finite differences, shape errors.
#define BOOST_TEST_MODULE framework_ops
#include <boost/test/unit_test.hpp>

#include "autograd/graph.hpp"
#include "support/op_fixture.hpp"

#include <cmath>
#include <cstring>
#include <tuple>

using namespace chimera;
using namespace chimera::test;

BOOST_FIXTURE_TEST_SUITE(linear, OpFixture)

BOOST_AUTO_TEST_CASE(computes_x_w_transposed_plus_b) {
    Tensor x = tensor_of(ctx, {2, 3}, {1, 2, 3, 4, 5, 6});
    Tensor w = tensor_of(ctx, {2, 3}, {1, 0, -1, 0.5f, 0.5f, 0.5f});
    Tensor b = tensor_of(ctx, {2}, {10, 20});
    std::vector<float> expected{1 - 3 + 10, 3 + 20, 4 - 6 + 10, 7.5f + 20};
    BOOST_TEST(values_of(call("linear", {x, w, b})) == expected, boost::test_tools::per_element());
    std::vector<float> no_bias{-2, 3, -2, 7.5f};
    BOOST_TEST(values_of(call("linear", {x, w})) == no_bias, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences) {
    for (Shape s : {Shape{1, 1, 1}, Shape{3, 5, 2}, Shape{7, 13, 9}}) {
        BOOST_TEST_CONTEXT("N, I, O = " << shape_text(s)) {
            Tensor x = random_tensor(ctx, {s[0], s[1]}, 1);
            Tensor w = random_tensor(ctx, {s[2], s[1]}, 2);
            Tensor b = random_tensor(ctx, {s[2]}, 3);
            BOOST_TEST(check_gradients(ctx, fn("linear"), {x, w, b}, smooth) == "");
            BOOST_TEST(check_gradients(ctx, fn("linear"), {x, w}, smooth) == "");
        }
    }
}

BOOST_AUTO_TEST_CASE(a_fused_activation_equals_the_separate_op) {
    // activation code, alpha, the separate op and its attributes
    const std::vector<std::tuple<double, double, std::string, Attrs>> cases = {
        {1, 0, "relu", {}}, {2, 0.2, "leaky_relu", {0.2}}, {3, 0, "tanh", {}},
        {4, 0, "sigmoid", {}}, {5, 0.7, "elu", {0.7}}, {6, 0, "gelu", {}}, {7, 0, "silu", {}}};
    Tensor x = random_tensor(ctx, {6, 9}, 1);
    Tensor w = random_tensor(ctx, {5, 9}, 2);
    Tensor b = random_tensor(ctx, {5}, 3);
    for (const auto& [code, alpha, op, attrs] : cases) {
        BOOST_TEST_CONTEXT(op) {
            std::vector<float> separate = values_of(call(op, {call("linear", {x, w, b})}, attrs));
            // Recording or not (gelu and silu are fused only when not): the same values.
            for (bool record : {false, true}) {
                for (Tensor* t : {&x, &w, &b}) t->set_requires_grad(record);
                // gelu and silu take no alpha: it is left out, not ignored.
                const Attrs attrs_of_linear = code >= 6 ? Attrs{code} : Attrs{code, alpha};
                std::vector<float> fused = values_of(call("linear", {x, w, b}, attrs_of_linear));
                for (std::size_t i = 0; i < fused.size(); ++i)
                    BOOST_TEST(std::fabs(fused[i] - separate[i]) <= 1e-5f + 1e-5f * std::fabs(separate[i]));
                ctx.tape().clear();
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(fused_activation_gradients_match_finite_differences) {
    for (double code : {1, 2, 3, 4, 5, 6, 7}) {
        BOOST_TEST_CONTEXT("activation " << code) {
            // Inputs whose pre-activations stay clear of relu's kink at zero.
            Tensor x = random_tensor(ctx, {4, 3}, 4);
            Tensor w = random_tensor(ctx, {5, 3}, 5);
            Tensor b = random_away_from_zero(ctx, {5}, 6, 2.0f);
            BOOST_TEST(check_gradients(ctx, fn("linear", code >= 6 ? Attrs{code} : Attrs{code, 0.1}), {x, w, b}, smooth) == "");
        }
    }
}

BOOST_AUTO_TEST_CASE(two_threads_compute_dx_and_dw_side_by_side_as_one_thread_does) {
    // On two threads dx and dw run concurrently, one thread each, by primitives built for one
    // thread: bit for bit the one-thread gradients (a product skipped, raced on or written by
    // another plan would differ). The MLP VAE's shapes, with relu fused.
    for (Shape s : {Shape{64, 512, 256}, Shape{64, 20, 256}, Shape{64, 512, 784}}) {
        BOOST_TEST_CONTEXT("N, I, O = " << shape_text(s)) {
            std::vector<std::vector<float>> grads;
            for (int threads : {1, 2}) {
                Context c(threads, 7);
                Tensor x = random_tensor(c, {s[0], s[1]}, 1), w = random_tensor(c, {s[2], s[1]}, 2);
                Tensor b = random_tensor(c, {s[2]}, 3), dy = random_tensor(c, {s[0], s[2]}, 4);
                for (Tensor* t : {&x, &w, &b}) t->set_requires_grad(true);
                Tensor y = ops.call(c, "linear", {x, w, b}, {1, 0}).at(0);
                backward_seeded(c, {y}, {dy});
                std::vector<float> all;
                for (const Tensor& t : {x, w, b}) all.insert(all.end(), t.grad().data<float>(), t.grad().data<float>() + t.numel());
                grads.push_back(all);
            }
            BOOST_TEST(grads[0].size() == grads[1].size());
            BOOST_TEST(std::memcmp(grads[0].data(), grads[1].data(), grads[0].size() * sizeof(float)) == 0);
        }
    }
}

BOOST_AUTO_TEST_CASE(an_unknown_activation_is_refused) {
    Tensor x = ctx.zeros(DType::f32, {2, 3}), w = ctx.zeros(DType::f32, {4, 3});
    BOOST_TEST(error_of("linear", {x, w}, {9}) == "linear: activation must be an integer in [0, 7], got 9");
    BOOST_TEST(error_of("linear", {x, w}, {6, 0.5}) == "linear: activation gelu takes no alpha; leave it out");
}

BOOST_AUTO_TEST_CASE(shape_errors_name_the_op_and_shapes) {
    Tensor x = ctx.zeros(DType::f32, {4, 3});
    Tensor w = ctx.zeros(DType::f32, {2, 5});
    BOOST_TEST(error_of("linear", {x, w}) ==
               "linear: x f32[4, 3] has 3 features but w f32[2, 5] expects 5");
    Tensor w_ok = ctx.zeros(DType::f32, {2, 3});
    BOOST_TEST(error_of("linear", {x, w_ok, ctx.zeros(DType::f32, {3})}) ==
               "linear: bias f32[3] must be [2] for w f32[2, 3]");
    BOOST_TEST(error_of("linear", {ctx.zeros(DType::f32, {4})}) ==
               "linear: takes 2 to 3 inputs, got 1; linear(x[N,I], w[O,I], b[O]?) -> y[N,O]");
}

BOOST_AUTO_TEST_SUITE_END()
