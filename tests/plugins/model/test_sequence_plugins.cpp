// The Transformer text encoder and decoder through the host: parameter counts by formula, padding
// that changes nothing (masked keys, pooled over real tokens only), the decoder's causality under
// teacher forcing, free decoding consistent with its own teacher-forced logits, top-1 sampling
// equal to greedy, errors naming the input, and finite-difference gradients through attention,
// layer norm, GELU and the embeddings (both with respect to inputs and to parameters).
#define BOOST_TEST_MODULE plugins_sequence
#include <boost/test/unit_test.hpp>

#include "autograd/parameter_store.hpp"
#include "autograd/graph.hpp"
#include "core/host_error.hpp"
#include "support/gradient_check.hpp"
#include "support/plugin_session.hpp"

#include <algorithm>

using namespace chimera;
using namespace chimera::test;

namespace {

struct Models : PluginSession {
    Models() : PluginSession({SEQUENCE_PLUGIN_FILE}, 1, 9) {}
    NamedTensors run(const ComponentInstance& m, const NamedTensors& in) { return m.forward(in); }
    Tensor tokens(const Shape& shape, const std::vector<int32_t>& values) {
        Tensor t = ctx.empty(DType::i32, shape);
        std::copy(values.begin(), values.end(), t.data<int32_t>());
        return t;
    }
};

const std::string small = "vocabulary: 11\nlength: 6\ndim: 8\nheads: 2\nlayers: 2\nfeed_forward: 12\n";

std::string error_of(const std::function<void()>& body) {
    try {
        body();
    } catch (const PluginError& e) {
        return e.what();
    } catch (const PortError& e) {  // a tensor that does not fit the component's declared port
        return e.what();
    }
    return "no error";
}

std::vector<int32_t> ints(const Tensor& t) { return std::vector<int32_t>(t.data<int32_t>(), t.data<int32_t>() + t.numel()); }

// Per block: two norms (2 D each), q k v out (D D + D each), feed-forward (D F + F + F D + D).
int64_t block_parameters(int64_t d, int64_t f) { return 4 * d + 4 * (d * d + d) + d * f + f + f * d + d; }

}  // namespace

BOOST_AUTO_TEST_CASE(parameter_counts_follow_the_formula) {
    Models s;
    s.make(CHM_KIND_ENCODER, "transformer", small + "head: gaussian\nout_features: 3", "enc");
    // embeddings 11 x 8 and 6 x 8, two blocks, final norm, mu and logvar heads 8 -> 3.
    const int64_t encoder = 11 * 8 + 6 * 8 + 2 * block_parameters(8, 12) + 2 * 8 + 2 * (8 * 3 + 3);
    BOOST_TEST(s.ctx.parameters().count_elements() == encoder);
    s.make(CHM_KIND_GENERATOR, "transformer", small + "latent: 5", "dec");
    // the same trunk, z 5 -> 8, logits 8 -> 11.
    const int64_t decoder = 11 * 8 + 6 * 8 + 2 * block_parameters(8, 12) + 2 * 8 + (5 * 8 + 8) + (8 * 11 + 11);
    BOOST_TEST(s.ctx.parameters().count_elements() == encoder + decoder);
}

BOOST_AUTO_TEST_CASE(padding_changes_nothing_in_the_encoder) {
    Models s;
    auto enc = s.make(CHM_KIND_ENCODER, "transformer", small + "out_features: 4", "enc");
    s.ctx.set_training(false);
    Tensor short_ = s.tokens({2, 3}, {3, 5, 2, 7, 0, 0});
    Tensor long_ = s.tokens({2, 6}, {3, 5, 2, 0, 0, 0, 7, 0, 0, 0, 0, 0});
    std::vector<float> a = values_of(s.run(*enc, {{"tokens", short_}})[0].second);
    std::vector<float> b = values_of(s.run(*enc, {{"tokens", long_}})[0].second);
    BOOST_TEST_REQUIRE(a.size() == 8u);
    for (std::size_t i = 0; i < a.size(); ++i) BOOST_TEST(a[i] == b[i], boost::test_tools::tolerance(1e-5f));
    // A real token where padding was does change it.
    Tensor other = s.tokens({2, 3}, {3, 5, 2, 7, 4, 0});
    BOOST_TEST(values_of(s.run(*enc, {{"tokens", other}})[0].second)[4] != a[4]);
}

BOOST_AUTO_TEST_CASE(teacher_forcing_is_causal) {
    Models s;
    auto dec = s.make(CHM_KIND_GENERATOR, "transformer", small, "dec");
    Tensor z = random_tensor(s.ctx, {1, 3}, 5);
    Tensor a = s.tokens({1, 6}, {3, 4, 5, 6, 7, 0}), b = s.tokens({1, 6}, {3, 4, 9, 9, 9, 9});
    NamedTensors oa = s.run(*dec, {{"z", z}, {"tokens", a}}), ob = s.run(*dec, {{"z", z}, {"tokens", b}});
    BOOST_TEST(oa[0].first == "logits");
    BOOST_TEST(oa[0].second.shape() == Shape({1, 6, 11}), boost::test_tools::per_element());
    // Targets differ from position 2 on: position p's logits see targets before p only, so
    // positions 0..2 agree and 3.. differ.
    const std::vector<float> la = values_of(oa[0].second), lb = values_of(ob[0].second);
    for (int64_t p = 0; p < 6; ++p) {
        bool same = std::equal(la.begin() + p * 11, la.begin() + (p + 1) * 11, lb.begin() + p * 11);
        BOOST_TEST(same == (p <= 2), "position " << p);
    }
}

BOOST_AUTO_TEST_CASE(free_decoding_agrees_with_its_own_logits_and_top_one_sampling_is_greedy) {
    Models s;
    auto greedy = s.make(CHM_KIND_GENERATOR, "transformer", small + "latent: 3", "dec");
    s.ctx.set_training(false);
    Tensor z = random_tensor(s.ctx, {4, 3}, 6, -3, 3);
    NamedTensors out = s.run(*greedy, {{"z", z}});
    const Tensor& logits = out[0].second;
    const std::vector<int32_t> tokens = ints(out[1].second);
    BOOST_TEST_REQUIRE(tokens.size() == 24u);
    // Each token is the argmax of the logits at its position, up to the first 0, then 0s.
    for (int64_t i = 0; i < 4; ++i) {
        bool ended = false;
        for (int64_t p = 0; p < 6; ++p) {
            const int32_t t = tokens[static_cast<std::size_t>(i * 6 + p)];
            if (ended) {
                BOOST_TEST(t == 0);
                continue;
            }
            const float* row = logits.data<float>() + (i * 6 + p) * 11;
            BOOST_TEST(t == std::max_element(row, row + 11) - row);
            ended = t == 0;
        }
    }
    // The same weights (same seed, same name) sampling among the top 1 give the same tokens.
    Models t;
    auto top1 = t.make(CHM_KIND_GENERATOR, "transformer", small + "latent: 3\nsampling: sample\ntop_k: 1", "dec");
    t.ctx.set_training(false);
    BOOST_TEST(ints(t.run(*top1, {{"z", tensor_of(t.ctx, {4, 3}, values_of(z))}})[1].second) == tokens, boost::test_tools::per_element());
    // Sampling at a high temperature from every token does not.
    Models u;
    auto hot = u.make(CHM_KIND_GENERATOR, "transformer", small + "latent: 3\nsampling: sample\ntemperature: 50", "dec");
    u.ctx.set_training(false);
    BOOST_TEST(ints(u.run(*hot, {{"z", tensor_of(u.ctx, {4, 3}, values_of(z))}})[1].second) != tokens);
}

// One decoding step (step_inputs, what an exported model runs) driven by a caller's greedy loop
// chooses the tokens free decoding chose, and its logits are the teacher-forced ones.
BOOST_AUTO_TEST_CASE(a_callers_loop_over_single_steps_decodes_as_the_decoder_does) {
    Models s;
    auto dec = s.make(CHM_KIND_GENERATOR, "transformer", small + "latent: 3", "dec");
    s.ctx.set_training(false);
    Tensor z = random_tensor(s.ctx, {3, 3}, 7, -3, 3);
    const NamedTensors free = s.run(*dec, {{"z", z}});
    const std::vector<int32_t> expected = ints(free[1].second);
    std::vector<int32_t> inputs(18, 0), chosen(18, 0);
    for (int64_t p = 0; p < 6; ++p) {
        const NamedTensors step = s.run(*dec, {{"z", z}, {"step_inputs", s.tokens({3, 6}, inputs)}});
        BOOST_TEST_REQUIRE(step[0].second.shape() == Shape({3, 6, 11}), boost::test_tools::per_element());
        for (int64_t i = 0; i < 3; ++i) {
            const float* row = step[0].second.data<float>() + (i * 6 + p) * 11;
            const bool ended = p > 0 && chosen[static_cast<std::size_t>(i * 6 + p - 1)] == 0;
            const int32_t t = ended ? 0 : static_cast<int32_t>(std::max_element(row, row + 11) - row);
            chosen[static_cast<std::size_t>(i * 6 + p)] = t;
            if (p + 1 < 6) inputs[static_cast<std::size_t>(i * 6 + p + 1)] = t;
        }
    }
    BOOST_TEST(chosen == expected, boost::test_tools::per_element());
    // The last step's inputs are the chosen tokens shifted: its logits are free decoding's.
    const NamedTensors last = s.run(*dec, {{"z", z}, {"step_inputs", s.tokens({3, 6}, inputs)}});
    BOOST_TEST(values_of(last[0].second) == values_of(free[0].second), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bad_tokens_and_options_are_named) {
    Models s;
    auto enc = s.make(CHM_KIND_ENCODER, "transformer", small, "enc");
    std::string e = error_of([&] { s.run(*enc, {{"tokens", s.tokens({1, 2}, {3, 11})}}); });
    BOOST_TEST(e.find("input 'tokens' holds token 11 outside the vocabulary of 11") != std::string::npos, e);
    e = error_of([&] { s.run(*enc, {{"tokens", s.tokens({1, 7}, {1, 1, 1, 1, 1, 1, 1})}}); });
    BOOST_TEST(e.find("has 7 positions; this model embeds 6") != std::string::npos, e);
    e = error_of([&] { s.run(*enc, {{"tokens", random_tensor(s.ctx, {1, 2}, 1)}}); });
    BOOST_TEST(e.find("input 'tokens' is f32[1, 2] but port tokens ({input}) takes i32") != std::string::npos, e);
    e = error_of([&] { s.make(CHM_KIND_ENCODER, "transformer", "dim: 10\nheads: 4", "bad"); });
    BOOST_TEST(e.find("dim 10 does not divide into 4 heads") != std::string::npos, e);
    auto dec = s.make(CHM_KIND_GENERATOR, "transformer", small, "dec");
    e = error_of([&] { s.run(*dec, {{"z", random_tensor(s.ctx, {1, 3}, 1)}, {"tokens", s.tokens({1, 2}, {3, 4})}}); });
    BOOST_TEST(e.find("input 'tokens' must be [1, 6] (option length)") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(gradients_through_attention_match_finite_differences) {
    Models s;
    const Tolerance tol{2e-3, 2e-2, 1e-2};
    // The decoder with respect to z: every block's attention (causal), norms and feed-forward.
    auto dec = s.make(CHM_KIND_GENERATOR, "transformer", small + "latent: 3\ndropout: 0.2", "dec");
    Tensor targets = s.tokens({2, 6}, {3, 4, 5, 0, 0, 0, 7, 7, 2, 1, 9, 0});
    Function f = [&](Context&, const std::vector<Tensor>& x) { return s.run(*dec, {{"z", x[0]}, {"tokens", targets}})[0].second; };
    BOOST_TEST(check_gradients(s.ctx, f, {random_tensor(s.ctx, {2, 3}, 8)}, tol) == "");
    // The encoder with respect to its own embeddings and the first query projection, padding masked.
    auto enc = s.make(CHM_KIND_ENCODER, "transformer", small + "head: gaussian\nout_features: 2", "enc");
    Tensor tokens = s.tokens({2, 5}, {3, 4, 5, 0, 0, 6, 2, 2, 8, 1});
    auto g = [&] { return s.run(*enc, {{"tokens", tokens}})[1].second; };
    std::vector<Tensor> params{s.ctx.parameters().find("enc.token_embedding"), s.ctx.parameters().find("enc.position_embedding"),
                               s.ctx.parameters().find("enc.block1.attention.query.weight")};
    // Embeddings start at N(0, 0.02): a step of 1e-2 would be half their scale, so a finer one.
    BOOST_TEST(check_parameter_gradients(s.ctx, g, params, {2e-3, 2e-2, 1e-3}) == "");
}
