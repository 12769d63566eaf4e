// attention: values against softmax(scale q k^T + mask) v computed in double, with every mask
// layout and causal masking; finite-difference gradients with respect to q, k and v under a
// padding mask and a causal one; errors naming the shapes.
#include <boost/test/unit_test.hpp>

#include "support/gradient_check.hpp"
#include "support/op_fixture.hpp"

#include <cmath>

using namespace chimera;
using namespace chimera::test;

namespace {

// The reference in double: y[b, h, i] = sum_j softmax_j(scale q_i . k_j + mask(b, h, i, j)) v_j,
// where mask_at gives the additive mask and causal leaves out j > i.
std::vector<double> reference(const Tensor& q, const Tensor& k, const Tensor& v, double scale, bool causal,
                              const std::function<double(int64_t, int64_t, int64_t, int64_t)>& mask_at) {
    const int64_t B = q.dim(0), H = q.dim(1), T = q.dim(2), S = k.dim(2), D = q.dim(3);
    const float *pq = q.data<float>(), *pk = k.data<float>(), *pv = v.data<float>();
    std::vector<double> y(static_cast<std::size_t>(q.numel()), 0.0);
    for (int64_t b = 0; b < B; ++b)
        for (int64_t h = 0; h < H; ++h)
            for (int64_t i = 0; i < T; ++i) {
                std::vector<double> s(static_cast<std::size_t>(S));
                double top = -1e300, sum = 0;
                for (int64_t j = 0; j < S; ++j) {
                    double dot = 0;
                    for (int64_t c = 0; c < D; ++c) dot += double(pq[((b * H + h) * T + i) * D + c]) * pk[((b * H + h) * S + j) * D + c];
                    s[j] = causal && j > i ? -1e300 : scale * dot + mask_at(b, h, i, j);
                    top = std::max(top, s[j]);
                }
                for (auto& x : s) sum += x = x <= -1e299 ? 0.0 : std::exp(x - top);
                for (int64_t j = 0; j < S; ++j)
                    for (int64_t c = 0; c < D; ++c) y[((b * H + h) * T + i) * D + c] += s[j] / sum * pv[((b * H + h) * S + j) * D + c];
            }
    return y;
}

void check_close(const std::vector<float>& got, const std::vector<double>& want) {
    BOOST_TEST_REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) BOOST_TEST(std::fabs(got[i] - want[i]) <= 1e-5 * (1 + std::fabs(want[i])), i << ": " << got[i] << " vs " << want[i]);
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(attention, OpFixture)

BOOST_AUTO_TEST_CASE(values_match_the_reference_for_every_mask_layout) {
    Tensor q = random_tensor(ctx, {2, 3, 4, 5}, 1, -2, 2), k = random_tensor(ctx, {2, 3, 6, 5}, 2, -2, 2),
           v = random_tensor(ctx, {2, 3, 6, 5}, 3);
    const double scale = 1 / std::sqrt(5.0);
    check_close(values_of(call("attention", {q, k, v})), reference(q, k, v, scale, false, [](auto...) { return 0.0; }));
    check_close(values_of(call("attention", {q, k, v}, {0.7})), reference(q, k, v, 0.7, false, [](auto...) { return 0.0; }));
    // [T, S]: one mask for every example and head.
    Tensor ts = random_tensor(ctx, {4, 6}, 4, -3, 3);
    check_close(values_of(call("attention", {q, k, v, ts})),
                reference(q, k, v, scale, false, [&](int64_t, int64_t, int64_t i, int64_t j) { return ts.data<float>()[i * 6 + j]; }));
    // [B, 1, 1, S]: padding keys, -1e9 where a key is padding.
    Tensor pad = ctx.zeros(DType::f32, {2, 1, 1, 6});
    pad.data<float>()[4] = pad.data<float>()[5] = pad.data<float>()[6 + 5] = -1e9f;
    check_close(values_of(call("attention", {q, k, v, pad})),
                reference(q, k, v, scale, false, [&](int64_t b, int64_t, int64_t, int64_t j) { return pad.data<float>()[b * 6 + j]; }));
    // [B, H, T, S]: everything its own.
    Tensor full = random_tensor(ctx, {2, 3, 4, 6}, 5, -3, 3);
    check_close(values_of(call("attention", {q, k, v, full})), reference(q, k, v, scale, false, [&](int64_t b, int64_t h, int64_t i, int64_t j) {
                    return full.data<float>()[((b * 3 + h) * 4 + i) * 6 + j];
                }));
    // Causal: query i sees keys 0..i only.
    Tensor kc = random_tensor(ctx, {2, 3, 4, 5}, 6, -2, 2), vc = random_tensor(ctx, {2, 3, 4, 5}, 7);
    check_close(values_of(call("attention", {q, kc, vc}, {0, 1})), reference(q, kc, vc, scale, true, [](auto...) { return 0.0; }));
    // ...which is the first row equal to v's first row.
    std::vector<float> y = values_of(call("attention", {q, kc, vc}, {0, 1}));
    for (int c = 0; c < 5; ++c) BOOST_TEST(y[c] == vc.data<float>()[c], boost::test_tools::tolerance(1e-6f));
}

BOOST_AUTO_TEST_CASE(gradients_match_finite_differences) {
    Tensor pad = ctx.zeros(DType::f32, {2, 1, 1, 5});
    pad.data<float>()[3] = pad.data<float>()[4] = -1e9f;
    Function masked = [&](Context& c, const std::vector<Tensor>& x) { return ops.call(c, "attention", {x[0], x[1], x[2], pad}).front(); };
    BOOST_TEST(check_gradients(ctx, masked, {random_tensor(ctx, {2, 2, 3, 4}, 8), random_tensor(ctx, {2, 2, 5, 4}, 9), random_tensor(ctx, {2, 2, 5, 4}, 10)},
                               smooth) == "");
    Function causal = [&](Context& c, const std::vector<Tensor>& x) { return ops.call(c, "attention", {x[0], x[1], x[2]}, {0.5, 1}).front(); };
    BOOST_TEST(check_gradients(ctx, causal, {random_tensor(ctx, {1, 3, 4, 2}, 11), random_tensor(ctx, {1, 3, 4, 2}, 12), random_tensor(ctx, {1, 3, 4, 2}, 13)},
                               smooth) == "");
    // Batch 1, one head, one position: the softmax of one key is 1, so dq = dk = 0 and dv = dy.
    Function single = [&](Context& c, const std::vector<Tensor>& x) { return ops.call(c, "attention", {x[0], x[1], x[2]}).front(); };
    BOOST_TEST(check_gradients(ctx, single, {random_tensor(ctx, {1, 1, 1, 3}, 14), random_tensor(ctx, {1, 1, 1, 3}, 15), random_tensor(ctx, {1, 1, 1, 3}, 16)},
                               smooth) == "");
}

BOOST_AUTO_TEST_CASE(bad_shapes_are_named) {
    Tensor q = random_tensor(ctx, {2, 3, 4, 5}, 1), k = random_tensor(ctx, {2, 3, 6, 5}, 2);
    BOOST_TEST(error_of("attention", {q, k, random_tensor(ctx, {2, 3, 6, 4}, 3)}).find("must be [B, H, T, D], [B, H, S, D] and [B, H, S, D]") != std::string::npos);
    BOOST_TEST(error_of("attention", {q, k, k, random_tensor(ctx, {4, 5}, 4)}).find("attention: mask f32[4, 5] must be [T, S]") != std::string::npos);
    BOOST_TEST(error_of("attention", {q, k, k}, {0, 1}).find("causal attention needs as many keys as queries, got 4 and 6") != std::string::npos);
    BOOST_TEST(error_of("attention", {random_tensor(ctx, {2, 4, 5}, 5), k, k}).find("attention: q must") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
