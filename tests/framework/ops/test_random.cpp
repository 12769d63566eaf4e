// Random ops: random_uniform, random_normal, bernoulli. Reproducible from (seed, stream), with
// the right distributions, and bit-identical whatever the thread count.
#include <boost/test/unit_test.hpp>

#include "autograd/graph.hpp"
#include "support/op_fixture.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace chimera;
using namespace chimera::test;
namespace tt = boost::test_tools;

namespace {

bool same_bits(const Tensor& a, const Tensor& b) {
    return a.shape() == b.shape() && std::memcmp(a.raw(), b.raw(), a.numel() * sizeof(float)) == 0;
}

struct Moments {
    double mean, std;
};

Moments moments_of(const Tensor& t) {
    double sum = 0, sq = 0;
    const float* p = t.data<float>();
    for (int64_t i = 0; i < t.numel(); ++i) sum += p[i];
    const double mean = sum / t.numel();
    for (int64_t i = 0; i < t.numel(); ++i) sq += (p[i] - mean) * (p[i] - mean);
    return {mean, std::sqrt(sq / (t.numel() - 1))};
}

// Tolerances for statistics of 100k draws: the normal's mean and std within 0.01 (over 3 and 4
// standard errors for std <= 1), frequencies within 0.01 (over 5 standard errors).
constexpr int64_t draws = 100000;
constexpr double moment_tolerance = 0.01;
constexpr double frequency_tolerance = 0.01;

}  // namespace

BOOST_FIXTURE_TEST_SUITE(random_ops, OpFixture)

BOOST_AUTO_TEST_CASE(same_seed_and_stream_give_the_same_values) {
    Context other(1, 42);  // the fixture's seed
    for (std::string op : {"random_uniform", "random_normal"}) {
        BOOST_TEST_CONTEXT(op) {
            Tensor a = call(op, {}, {0, 1, 3, 5});
            Tensor b = ops.call(other, op, {}, {0, 1, 3, 5}).at(0);
            BOOST_TEST(a.shape() == Shape({3, 5}), tt::per_element());
            BOOST_TEST(same_bits(a, b));
        }
    }
    Tensor p = random_tensor(ctx, {4, 9}, 1, 0, 1);
    BOOST_TEST(same_bits(call("bernoulli", {p}), ops.call(other, "bernoulli", {p}).at(0)));
    // Rewinding the random state replays a stream.
    Tensor first = call("random_normal", {}, {0, 1, 3, 5});
    Tensor second = call("random_normal", {}, {0, 1, 3, 5});
    ctx.device().set_random_state(42, ctx.device().streams_used() - 2);
    BOOST_TEST(same_bits(call("random_normal", {}, {0, 1, 3, 5}), first));
    BOOST_TEST(same_bits(call("random_normal", {}, {0, 1, 3, 5}), second));
}

BOOST_AUTO_TEST_CASE(each_call_takes_a_new_stream) {
    Tensor a = call("random_uniform", {}, {0, 1, 64});
    Tensor b = call("random_uniform", {}, {0, 1, 64});
    BOOST_TEST(ctx.device().streams_used() == 2u);
    BOOST_TEST(!same_bits(a, b));
    int equal = 0;
    for (int64_t i = 0; i < 64; ++i) equal += a.data<float>()[i] == b.data<float>()[i];
    BOOST_TEST(equal < 3);
    Context other_seed(1, 43);
    BOOST_TEST(!same_bits(ops.call(other_seed, "random_uniform", {}, {0, 1, 64}).at(0),
                          ops.call(ctx, "random_uniform", {}, {0, 1, 64}).at(0)));
    // A rejected call takes no stream.
    error_of("random_uniform", {}, {1, 0, 3});
    BOOST_TEST(ctx.device().streams_used() == 3u);
}

BOOST_AUTO_TEST_CASE(uniform_stays_within_its_bounds) {
    Tensor u = call("random_uniform", {}, {-2, 3, 100, 1000});
    BOOST_TEST(u.shape() == Shape({100, 1000}), tt::per_element());
    const float* p = u.data<float>();
    BOOST_TEST(*std::min_element(p, p + u.numel()) >= -2.0f);
    BOOST_TEST(*std::max_element(p, p + u.numel()) < 3.0f);
    Moments m = moments_of(u);
    BOOST_TEST(std::fabs(m.mean - 0.5) < 0.03);              // 6.5 standard errors
    BOOST_TEST(std::fabs(m.std - 5 / std::sqrt(12.0)) < 0.02);  // width / sqrt(12)
    BOOST_TEST(values_of(call("random_uniform", {}, {1.5, 1.5, 3})) == std::vector<float>(3, 1.5f), tt::per_element());
    Tensor scalar = call("random_uniform", {}, {0, 1});
    BOOST_TEST(scalar.rank() == 0);
    BOOST_TEST(call("random_uniform", {}, {0, 1, 2, 0}).numel() == 0);
}

BOOST_AUTO_TEST_CASE(normal_has_the_requested_mean_and_std) {
    for (auto [mean, std] : std::vector<std::pair<double, double>>{{0, 1}, {-1.5, 0.5}, {3, 0.25}}) {
        BOOST_TEST_CONTEXT("mean " << mean << " std " << std) {
            Moments m = moments_of(call("random_normal", {}, {mean, std, draws}));
            BOOST_TEST(std::fabs(m.mean - mean) < moment_tolerance);
            BOOST_TEST(std::fabs(m.std - std) < moment_tolerance);
        }
    }
    // An odd count fills every element (Box-Muller makes values in pairs).
    Tensor odd = call("random_normal", {}, {0, 1, 7});
    for (float v : values_of(odd)) BOOST_TEST(std::isfinite(v));
    BOOST_TEST(values_of(call("random_normal", {}, {2, 0, 3})) == std::vector<float>(3, 2.0f), tt::per_element());
}

BOOST_AUTO_TEST_CASE(bernoulli_fires_with_probability_p) {
    Tensor p = ctx.empty(DType::f32, {2, draws / 2});
    std::fill_n(p.data<float>(), draws / 2, 0.2f);
    std::fill_n(p.data<float>() + draws / 2, draws / 2, 0.7f);
    Tensor y = call("bernoulli", {p});
    BOOST_TEST(y.shape() == p.shape(), tt::per_element());
    double ones[2] = {0, 0};
    int64_t other = 0;
    for (int64_t i = 0; i < draws; ++i) {
        float v = y.data<float>()[i];
        other += v != 0.0f && v != 1.0f;
        ones[i / (draws / 2)] += v;
    }
    BOOST_TEST(other == 0);
    BOOST_TEST(std::fabs(ones[0] / (draws / 2) - 0.2) < frequency_tolerance);
    BOOST_TEST(std::fabs(ones[1] / (draws / 2) - 0.7) < frequency_tolerance);
    Tensor edges = tensor_of(ctx, {4}, {0, 1, 0, 1});
    for (int k = 0; k < 20; ++k)
        BOOST_TEST(values_of(call("bernoulli", {edges})) == std::vector<float>({0, 1, 0, 1}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(thread_count_does_not_change_the_values) {
    // More than the ops' parallel threshold, and not a multiple of 4 (Philox's block).
    const double n = 100003;
    Tensor p = random_tensor(ctx, {static_cast<int64_t>(n)}, 5, 0, 1);
    std::vector<std::vector<Tensor>> runs;
    for (int threads : {1, 2, 3}) {
        Context c(threads, 2024);  // sets OpenMP's thread count for the calls below
        runs.push_back({ops.call(c, "random_uniform", {}, {-1, 2, n}).at(0),
                        ops.call(c, "random_normal", {}, {0.5, 2, n}).at(0),
                        ops.call(c, "bernoulli", {p}).at(0)});
    }
    for (std::size_t t = 1; t < runs.size(); ++t)
        for (std::size_t k = 0; k < runs[0].size(); ++k)
            BOOST_TEST_CONTEXT("run " << t << " op " << k) { BOOST_TEST(same_bits(runs[0][k], runs[t][k])); }
}

BOOST_AUTO_TEST_CASE(random_outputs_take_no_gradient) {
    Tensor p = random_tensor(ctx, {3}, 6, 0, 1);
    p.set_requires_grad(true);
    const std::size_t before = ctx.tape().size();
    BOOST_TEST(!call("bernoulli", {p}).requires_grad());
    BOOST_TEST(!call("random_normal", {}, {0, 1, 3}).requires_grad());
    BOOST_TEST(ctx.tape().size() == before);
}

BOOST_AUTO_TEST_CASE(random_arguments_are_checked) {
    BOOST_TEST(error_of("random_uniform", {}, {1, 0, 3}) == "random_uniform: lo 1 must not exceed hi 0");
    BOOST_TEST(error_of("random_normal", {}, {0, -1, 3}) == "random_normal: std must be >= 0, got -1");
    BOOST_TEST(error_of("random_uniform", {}, {0, 1, 2.5}) ==
               "random_uniform: dimension must be an integer in [0, 1099511627776], got 2.5");
    BOOST_TEST(error_of("random_uniform", {}, {0}) ==
               "random_uniform: takes 2 to 10 attributes (low, high, shape[*]), got 1");
    BOOST_TEST(error_of("random_normal", {ctx.zeros(DType::f32, {2})}, {0, 1}).rfind(
                   "random_normal: takes 0 inputs, got 1", 0) == 0u);
    BOOST_TEST(error_of("bernoulli", {tensor_of(ctx, {3}, {0.5f, 1.5f, 0})}) ==
               "bernoulli: p must lie in [0, 1], got 1.5 at element 1 of f32[3]");
}

BOOST_AUTO_TEST_SUITE_END()
