// The tape and the parameters: gradients accumulate across backward calls, a weighted sum of
// losses differentiates as one, no-grad mode records nothing, parameters are named and
// initialised from the seed and their name alone, each initialiser with the right spread.
#define BOOST_TEST_MODULE framework_autograd
#include <boost/test/unit_test.hpp>

#include "autograd/parameter_store.hpp"
#include "autograd/graph.hpp"
#include "autograd/modes.hpp"
#include "core/host_error.hpp"
#include "support/op_fixture.hpp"

#include <cmath>
#include <cstring>

using namespace chimera;
using namespace chimera::test;
namespace tt = boost::test_tools;

namespace {

struct Stats {
    double mean, std, min, max;
};

Stats stats(const Tensor& t) {
    double sum = 0, sq = 0, lo = 1e30, hi = -1e30;
    for (int64_t i = 0; i < t.numel(); ++i) {
        double v = t.data<float>()[i];
        sum += v;
        sq += v * v;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    double mean = sum / t.numel();
    return {mean, std::sqrt(sq / t.numel() - mean * mean), lo, hi};
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(tape, OpFixture)

BOOST_AUTO_TEST_CASE(gradients_accumulate_until_cleared) {
    Tensor w = tensor_of(ctx, {2}, {1, 2});
    w.set_requires_grad(true);
    Tensor x = tensor_of(ctx, {2}, {3, 4});
    for (int i = 0; i < 2; ++i) {
        Tensor loss = call("sum", {call("mul", {w, x})});
        backward(ctx, {loss}, {1.0});
    }
    BOOST_TEST(values_of(w.grad()) == std::vector<float>({6, 8}), tt::per_element());
    w.zero_grad();
    BOOST_TEST(!w.grad().defined());
}

BOOST_AUTO_TEST_CASE(a_weighted_sum_of_losses_differentiates_as_one) {
    Tensor w = tensor_of(ctx, {3}, {1, -2, 0.5f});
    w.set_requires_grad(true);
    Tensor l1 = call("sum", {call("square", {w})});  // d/dw = 2w
    Tensor l2 = call("sum", {w});                     // d/dw = 1
    backward(ctx, {l1, l2}, {0.5, 3.0});
    BOOST_TEST(values_of(w.grad()) == std::vector<float>({4, 1, 3.5f}), tt::per_element());
    BOOST_TEST(ctx.tape().size() == 0u);  // the tape is consumed
}

BOOST_AUTO_TEST_CASE(a_shared_input_collects_gradients_from_every_use) {
    Tensor w = tensor_of(ctx, {2}, {2, 3});
    w.set_requires_grad(true);
    Tensor y = call("mul", {w, w});          // w^2, used twice below
    Tensor loss = call("sum", {call("add", {y, call("mul", {y, w})})});  // sum(w^2 + w^3)
    backward(ctx, {loss}, {1.0});
    // d/dw (w^2 + w^3) = 2w + 3w^2
    BOOST_TEST(values_of(w.grad()) == std::vector<float>({16, 33}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(no_grad_mode_records_nothing) {
    Tensor w = random_tensor(ctx, {4}, 1);
    w.set_requires_grad(true);
    {
        NoGradGuard guard(ctx);
        Tensor y = call("relu", {w});
        BOOST_TEST(!y.requires_grad());
    }
    BOOST_TEST(ctx.tape().size() == 0u);
    BOOST_TEST(ctx.grad_enabled());
    BOOST_TEST(call("relu", {w}).requires_grad());
    BOOST_TEST(ctx.tape().size() == 1u);
}

BOOST_AUTO_TEST_CASE(ops_on_inputs_without_gradients_are_not_recorded) {
    Tensor x = random_tensor(ctx, {4}, 1);
    call("tanh", {x});
    BOOST_TEST(ctx.tape().size() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(parameters)

BOOST_AUTO_TEST_CASE(values_depend_on_seed_and_name_not_on_creation_order) {
    Context a(1, 5), b(1, 5), c(1, 6);
    Tensor a1 = a.parameters().create("enc.fc.weight", {8, 8}, CHM_INIT_NORMAL, 0, 1);
    a.parameters().create("enc.fc.bias", {8}, CHM_INIT_NORMAL, 0, 1);
    b.parameters().create("enc.fc.bias", {8}, CHM_INIT_NORMAL, 0, 1);
    Tensor b1 = b.parameters().create("enc.fc.weight", {8, 8}, CHM_INIT_NORMAL, 0, 1);
    Tensor c1 = c.parameters().create("enc.fc.weight", {8, 8}, CHM_INIT_NORMAL, 0, 1);
    BOOST_TEST(std::memcmp(a1.raw(), b1.raw(), 64 * 4) == 0);
    BOOST_TEST(std::memcmp(a1.raw(), c1.raw(), 64 * 4) != 0);
    BOOST_TEST(a1.requires_grad());
    BOOST_TEST(a.parameters().find("enc.fc.bias").numel() == 8);
    BOOST_TEST(a.parameters().under("enc").size() == 2u);
    BOOST_TEST(a.parameters().under("en").size() == 0u);  // whole name components only
}

BOOST_AUTO_TEST_CASE(a_name_used_twice_is_an_error) {
    Context ctx(1, 0);
    ctx.parameters().create("g.w", {2}, CHM_INIT_ZEROS, 0, 0);
    BOOST_CHECK_THROW(ctx.parameters().create("g.w", {2}, CHM_INIT_ZEROS, 0, 0), HostError);
}

BOOST_AUTO_TEST_CASE(each_initialiser_has_its_spread) {
    Context ctx(1, 3);
    auto make = [&](const char* name, Shape s, chm_init init, double a, double b) {
        return stats(ctx.parameters().create(name, s, init, a, b));
    };
    // [256, 512, 3, 3]: fan_in = 512*9 = 4608, fan_out = 256*9 = 2304.
    const Shape conv{256, 512, 3, 3};
    const double fan_in = 4608, fan_out = 2304;
    Stats z = make("zeros", {100}, CHM_INIT_ZEROS, 0, 0);
    BOOST_TEST(z.min == 0.0);
    BOOST_TEST(z.max == 0.0);
    Stats k = make("constant", {100}, CHM_INIT_CONSTANT, 0.25, 0);
    BOOST_TEST(k.min == 0.25);
    BOOST_TEST(k.max == 0.25);
    Stats u = make("uniform", {100000}, CHM_INIT_UNIFORM, -2, 4);
    BOOST_TEST(u.min >= -2.0);
    BOOST_TEST(u.max <= 4.0);
    BOOST_TEST(u.mean == 1.0, tt::tolerance(0.02));
    Stats n = make("normal", {100000}, CHM_INIT_NORMAL, 3, 0.5);
    BOOST_TEST(n.mean == 3.0, tt::tolerance(0.01));
    BOOST_TEST(n.std == 0.5, tt::tolerance(0.02));
    Stats xu = make("xavier_uniform", conv, CHM_INIT_XAVIER_UNIFORM, 1.0, 0);
    double xr = std::sqrt(6.0 / (fan_in + fan_out));
    BOOST_TEST(xu.max <= xr);
    BOOST_TEST(xu.std == xr / std::sqrt(3.0), tt::tolerance(0.02));
    Stats xn = make("xavier_normal", conv, CHM_INIT_XAVIER_NORMAL, 2.0, 0);
    BOOST_TEST(xn.std == 2.0 * std::sqrt(2.0 / (fan_in + fan_out)), tt::tolerance(0.02));
    Stats ku = make("kaiming_uniform", conv, CHM_INIT_KAIMING_UNIFORM, std::sqrt(5.0), 0);
    BOOST_TEST(ku.max <= 1.0 / std::sqrt(fan_in));  // PyTorch's nn.Linear/Conv default bound
    Stats kn = make("kaiming_normal", conv, CHM_INIT_KAIMING_NORMAL, 0.0, 0);
    BOOST_TEST(kn.std == std::sqrt(2.0 / fan_in), tt::tolerance(0.02));
    BOOST_TEST(std::fabs(kn.mean) < 1e-3);
}

BOOST_AUTO_TEST_CASE(fans_need_rank_two) {
    Context ctx(1, 0);
    BOOST_CHECK_THROW(ctx.parameters().create("v", {10}, CHM_INIT_XAVIER_UNIFORM, 1, 0), HostError);
}

BOOST_AUTO_TEST_SUITE_END()
