// The GRU text encoder and decoder (encoder/gru, generator/gru) through the host: parameter counts
// by formula, both components against PyTorch's nn.GRU on the same weights (fixture recorded by
// bench/reference/make_gru_fixture.py), padding that changes nothing, causal teacher forcing,
// free decoding consistent with its logits and with a caller's loop of single steps, errors
// naming the input, and finite-difference gradients through time. Part of plugins_sequence.
#include <boost/test/unit_test.hpp>

#include "autograd/parameter_store.hpp"
#include "core/host_error.hpp"
#include "io/safetensors.hpp"
#include "run/foreign_weights.hpp"
#include "support/gradient_check.hpp"
#include "support/plugin_session.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

using namespace chimera;
using namespace chimera::test;

namespace {

struct GruModels : PluginSession {
    GruModels() : PluginSession({SEQUENCE_PLUGIN_FILE}, 1, 9) {}
    Tensor tokens(const Shape& shape, const std::vector<int32_t>& values) {
        Tensor t = ctx.empty(DType::i32, shape);
        std::copy(values.begin(), values.end(), t.data<int32_t>());
        return t;
    }
};

const std::string small = "vocabulary: 11\nlength: 6\ndim: 5\nhidden: 4\nlayers: 2\n";

std::string gru_error_of(const std::function<void()>& body) {
    try {
        body();
    } catch (const PluginError& e) {
        return e.what();
    } catch (const PortError& e) {
        return e.what();
    } catch (const ConfigError& e) {  // an option out of its declared range
        return e.what();
    }
    return "no error";
}

std::vector<int32_t> ints_of(const Tensor& t) { return std::vector<int32_t>(t.data<int32_t>(), t.data<int32_t>() + t.numel()); }

double worst_difference(const Tensor& a, const Tensor& b) {
    const std::vector<float> x = values_of(a), y = values_of(b);
    BOOST_TEST_REQUIRE(x.size() == y.size());
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i) worst = std::max(worst, std::abs(double(x[i]) - y[i]));
    return worst;
}

// Per layer: weight_ih 3H x in, weight_hh 3H x H, two biases 3H.
int64_t gru_layer_parameters(int64_t in, int64_t h) { return 3 * h * in + 3 * h * h + 6 * h; }

}  // namespace

BOOST_AUTO_TEST_CASE(gru_parameter_counts_follow_the_formula) {
    GruModels s;
    s.make(CHM_KIND_ENCODER, "gru", small + "head: gaussian\nout_features: 3", "enc");
    // embedding 11 x 5, layers 5 -> 4 and 4 -> 4, mu and logvar heads 4 -> 3.
    const int64_t encoder = 11 * 5 + gru_layer_parameters(5, 4) + gru_layer_parameters(4, 4) + 2 * (4 * 3 + 3);
    BOOST_TEST(s.ctx.parameters().count_elements() == encoder);
    s.make(CHM_KIND_GENERATOR, "gru", small + "latent: 3", "dec");
    // the same trunk, z 3 -> 5 (added to inputs), z 3 -> 2 x 4 (first states), logits 4 -> 11.
    const int64_t decoder = 11 * 5 + gru_layer_parameters(5, 4) + gru_layer_parameters(4, 4) + (3 * 5 + 5) + (3 * 8 + 8) + (4 * 11 + 11);
    BOOST_TEST(s.ctx.parameters().count_elements() == encoder + decoder);
    // nn.GRU's initialisation: every recurrent weight within 1/sqrt(H) = 0.5, and not all tiny.
    const std::vector<float> w = values_of(s.ctx.parameters().find("dec.gru.weight_hh_l1"));
    const float largest = std::abs(*std::max_element(w.begin(), w.end(), [](float a, float b) { return std::abs(a) < std::abs(b); }));
    BOOST_TEST(largest <= 0.5f);
    BOOST_TEST(largest > 0.4f);
}

// bench/reference/make_gru_fixture.py: the same architecture in PyTorch (nn.GRU, two layers,
// packed sequences for the encoder's padding), its state_dicts and outputs.
BOOST_AUTO_TEST_CASE(gru_encoder_and_decoder_compute_what_pytorch_computes) {
    constexpr double tolerance = 1e-5;  // float32 over six steps of two layers
    GruModels s;
    const std::string file = std::string(CHIMERA_TEST_DATA) + "/torch_gru.safetensors";
    auto enc = s.make(CHM_KIND_ENCODER, "gru", small + "head: gaussian\nout_features: 3", "encoder");
    auto dec = s.make(CHM_KIND_GENERATOR, "gru", small + "latent: 3", "decoder");
    // Every name but the embedding's is PyTorch's; each node reads its own half of the file.
    for (const std::string node : {"encoder", "decoder"})
        load_foreign_weights({file, {{"token_embedding", node + ".token_embedding.weight"}}, node + "."}, node, s.ctx.parameters(),
                             s.ctx.device().pool());
    SafetensorsContent io = read_safetensors(file, s.ctx.device().pool());
    std::map<std::string, Tensor> fixture(io.tensors.begin(), io.tensors.end());

    NamedTensors encoded = enc->forward({{"tokens", fixture.at("encoder_tokens")}});
    for (const auto& [name, t] : encoded) {
        const double worst = worst_difference(t, fixture.at("encoder_" + name));
        BOOST_TEST(worst < tolerance, name << " differs from PyTorch by " << worst);
    }
    BOOST_TEST(encoded.size() == 2u);
    // Teacher forcing (training mode returns the teacher-forced logits).
    NamedTensors decoded = dec->forward({{"z", fixture.at("decoder_z")}, {"tokens", fixture.at("decoder_targets")}});
    const double worst = worst_difference(decoded[0].second, fixture.at("decoder_logits"));
    BOOST_TEST(worst < tolerance, "logits differ from PyTorch by " << worst);
}

BOOST_AUTO_TEST_CASE(padding_changes_nothing_in_the_gru_encoder) {
    GruModels s;
    auto enc = s.make(CHM_KIND_ENCODER, "gru", small + "out_features: 4", "enc");
    s.ctx.set_training(false);
    Tensor short_ = s.tokens({2, 3}, {3, 5, 2, 7, 0, 0});
    Tensor long_ = s.tokens({2, 6}, {3, 5, 2, 0, 0, 0, 7, 0, 0, 0, 0, 0});
    const std::vector<float> a = values_of(enc->forward({{"tokens", short_}})[0].second);
    const std::vector<float> b = values_of(enc->forward({{"tokens", long_}})[0].second);
    BOOST_TEST_REQUIRE(a.size() == 8u);
    BOOST_TEST(a == b, boost::test_tools::per_element());  // the state holds: the same numbers exactly
    // A real token where padding was does change it, and so does the order of the tokens.
    BOOST_TEST(values_of(enc->forward({{"tokens", s.tokens({2, 3}, {3, 5, 2, 7, 4, 0})}})[0].second)[4] != a[4]);
    BOOST_TEST(values_of(enc->forward({{"tokens", s.tokens({2, 3}, {2, 5, 3, 7, 0, 0})}})[0].second)[0] != a[0]);
}

BOOST_AUTO_TEST_CASE(gru_teacher_forcing_is_causal) {
    GruModels s;
    auto dec = s.make(CHM_KIND_GENERATOR, "gru", small, "dec");
    Tensor z = random_tensor(s.ctx, {1, 3}, 5);
    Tensor a = s.tokens({1, 6}, {3, 4, 5, 6, 7, 0}), b = s.tokens({1, 6}, {3, 4, 9, 9, 9, 9});
    NamedTensors oa = dec->forward({{"z", z}, {"tokens", a}}), ob = dec->forward({{"z", z}, {"tokens", b}});
    BOOST_TEST(oa[0].first == "logits");
    BOOST_TEST(oa[0].second.shape() == Shape({1, 6, 11}), boost::test_tools::per_element());
    // Targets differ from position 2 on: position p reads targets before p only.
    const std::vector<float> la = values_of(oa[0].second), lb = values_of(ob[0].second);
    for (int64_t p = 0; p < 6; ++p) {
        const bool same = std::equal(la.begin() + p * 11, la.begin() + (p + 1) * 11, lb.begin() + p * 11);
        BOOST_TEST(same == (p <= 2), "position " << p);
    }
}

// Free decoding carries the state one step at a time; a caller's greedy loop over step_inputs
// (the teacher-forced path on its own inputs) must choose the same tokens and see the same logits.
BOOST_AUTO_TEST_CASE(gru_free_decoding_agrees_with_its_logits_and_with_single_steps) {
    constexpr double tolerance = 1e-5;  // one product per step against one for all steps
    GruModels s;
    auto dec = s.make(CHM_KIND_GENERATOR, "gru", small + "latent: 3", "dec");
    s.ctx.set_training(false);
    Tensor z = random_tensor(s.ctx, {4, 3}, 6, -3, 3);
    const NamedTensors free = dec->forward({{"z", z}});
    const std::vector<int32_t> tokens = ints_of(free[1].second);
    BOOST_TEST_REQUIRE(free[0].second.shape() == Shape({4, 6, 11}), boost::test_tools::per_element());
    std::vector<int32_t> inputs(24, 0);
    for (int64_t i = 0; i < 4; ++i) {
        bool ended = false;
        for (int64_t p = 0; p < 6; ++p) {
            const int32_t t = tokens[static_cast<std::size_t>(i * 6 + p)];
            if (p + 1 < 6) inputs[static_cast<std::size_t>(i * 6 + p + 1)] = t;
            if (ended) {
                BOOST_TEST(t == 0);
                continue;
            }
            const float* row = free[0].second.data<float>() + (i * 6 + p) * 11;
            BOOST_TEST(t == std::max_element(row, row + 11) - row);
            ended = t == 0;
        }
    }
    BOOST_TEST(std::count(tokens.begin(), tokens.end(), 0) < 24);  // not vacuous: something was decoded
    const NamedTensors step = dec->forward({{"z", z}, {"step_inputs", s.tokens({4, 6}, inputs)}});
    BOOST_TEST(worst_difference(step[0].second, free[0].second) < tolerance);
    BOOST_TEST(ints_of(step[1].second) == tokens, boost::test_tools::per_element());
    // The same weights sampling among the top 1 decode the same tokens; a hot draw from all does not.
    GruModels t;
    auto top1 = t.make(CHM_KIND_GENERATOR, "gru", small + "latent: 3\nsampling: sample\ntop_k: 1", "dec");
    t.ctx.set_training(false);
    BOOST_TEST(ints_of(top1->forward({{"z", tensor_of(t.ctx, {4, 3}, values_of(z))}})[1].second) == tokens,
               boost::test_tools::per_element());
    GruModels u;
    auto hot = u.make(CHM_KIND_GENERATOR, "gru", small + "latent: 3\nsampling: sample\ntemperature: 50", "dec");
    u.ctx.set_training(false);
    BOOST_TEST(ints_of(hot->forward({{"z", tensor_of(u.ctx, {4, 3}, values_of(z))}})[1].second) != tokens);
}

BOOST_AUTO_TEST_CASE(gru_bad_inputs_are_named) {
    GruModels s;
    auto enc = s.make(CHM_KIND_ENCODER, "gru", small, "enc");
    std::string e = gru_error_of([&] { enc->forward({{"tokens", s.tokens({1, 2}, {3, 11})}}); });
    BOOST_TEST(e.find("input 'tokens' holds token 11 outside the vocabulary of 11") != std::string::npos, e);
    e = gru_error_of([&] { enc->forward({{"tokens", s.tokens({1, 7}, {1, 1, 1, 1, 1, 1, 1})}}); });
    BOOST_TEST(e.find("has 7 positions; this model embeds 6 (option length)") != std::string::npos, e);
    e = gru_error_of([&] { enc->forward({{"tokens", random_tensor(s.ctx, {1, 2}, 1)}}); });
    BOOST_TEST(e.find("input 'tokens' is f32[1, 2] but port tokens ({input}) takes i32") != std::string::npos, e);
    auto dec = s.make(CHM_KIND_GENERATOR, "gru", small + "latent: 3", "dec");
    e = gru_error_of([&] { dec->forward({{"z", random_tensor(s.ctx, {1, 3}, 1)}, {"tokens", s.tokens({1, 2}, {3, 4})}}); });
    BOOST_TEST(e.find("input 'tokens' must be [1, 6] (option length)") != std::string::npos, e);
    e = gru_error_of([&] { dec->forward({{"z", random_tensor(s.ctx, {1, 4}, 1)}}); });
    BOOST_TEST(e.find("input 'z' has 4 features; this decoder was built for 3") != std::string::npos, e);
    e = gru_error_of([&] { s.make(CHM_KIND_ENCODER, "gru", "hidden: 0", "bad"); });
    BOOST_TEST(e.find("(bad.hidden): 0 is below the minimum 1") != std::string::npos, e);
}

BOOST_AUTO_TEST_CASE(gru_gradients_through_time_match_finite_differences) {
    GruModels s;
    const Tolerance tol{2e-3, 2e-2, 1e-2};
    // The decoder with respect to z: first states, the input projection, six steps of two layers.
    auto dec = s.make(CHM_KIND_GENERATOR, "gru", small + "latent: 3", "dec");
    Tensor targets = s.tokens({2, 6}, {3, 4, 5, 0, 0, 0, 7, 7, 2, 1, 9, 0});
    Function f = [&](Context&, const std::vector<Tensor>& x) { return dec->forward({{"z", x[0]}, {"tokens", targets}})[0].second; };
    BOOST_TEST(check_gradients(s.ctx, f, {random_tensor(s.ctx, {2, 3}, 8)}, tol) == "");
    // The encoder with respect to its embedding and both layers' weights, padding skipped.
    auto enc = s.make(CHM_KIND_ENCODER, "gru", small + "head: gaussian\nout_features: 2", "enc");
    Tensor tokens = s.tokens({2, 5}, {3, 4, 5, 0, 0, 6, 2, 2, 8, 1});
    auto g = [&] { return enc->forward({{"tokens", tokens}})[1].second; };
    std::vector<Tensor> params{s.ctx.parameters().find("enc.token_embedding"), s.ctx.parameters().find("enc.gru.weight_ih_l0"),
                               s.ctx.parameters().find("enc.gru.weight_hh_l0"), s.ctx.parameters().find("enc.gru.bias_hh_l1")};
    BOOST_TEST(check_parameter_gradients(s.ctx, g, params, tol) == "");
}
