// The model plugins through the host: mlp encoders and generators (parameter counts — including
// the GAN figures — lazy sizing, heads, shapes, batch norm and dropout), the gaussian
// latent, and every loss (weight penalties too) against its formula; gradients of each by finite
// differences.
#define BOOST_TEST_MODULE plugins_model
#include <boost/test/unit_test.hpp>

#include "autograd/parameter_store.hpp"
#include "core/host_error.hpp"
#include "support/gradient_check.hpp"
#include "support/plugin_session.hpp"

#include <cmath>

using namespace chimera;
using namespace chimera::test;

namespace {

struct Models : PluginSession {
    Models() : PluginSession({BUILTIN_MLP_FILE, LATENT_PLUGIN_FILE, LOSSES_PLUGIN_FILE}, 1, 3) {}
    // The single output of a module.
    Tensor run(const ComponentInstance& m, const NamedTensors& in, const std::string& out = "") {
        NamedTensors o = m.forward(in);
        for (const auto& [name, t] : o)
            if (out.empty() || name == out) return t;
        BOOST_FAIL("no output " << out);
        return Tensor();
    }
    double loss(const std::string& component, const std::string& yaml, const NamedTensors& in) {
        auto l = make(CHM_KIND_LOSS, component, yaml, component);
        return run(*l, in).data<float>()[0];
    }
};

float at(const Tensor& t, int64_t i) { return t.data<float>()[i]; }

}  // namespace

BOOST_AUTO_TEST_CASE(mlp_parameter_counts_match_the_reference_models) {
    Models s;
    // The GAN of the pipelines issue: generator 100 -> 128, 256, 512 -> 784; discriminator
    // 784 -> 512, 256 -> 1.
    auto g = s.make(CHM_KIND_GENERATOR, "mlp", "in_features: 100\nhidden: [128, 256, 512]\noutput_activation: tanh\noutput_shape: [1, 28, 28]", "generator");
    BOOST_TEST(s.ctx.parameters().count_elements() == 579728);
    auto d = s.make(CHM_KIND_ENCODER, "mlp", "in_features: 784\nhidden: [512, 256]\nout_features: 1", "discriminator");
    BOOST_TEST(s.ctx.parameters().count_elements() - 579728 == 533505);
    // Shapes and ranges: z [3, 100] -> images [3, 1, 28, 28] in (-1, 1) -> one logit each.
    Tensor z = random_tensor(s.ctx, {3, 100}, 1);
    Tensor images = s.run(*g, {{"z", z}});
    BOOST_TEST(images.shape() == Shape({3, 1, 28, 28}), boost::test_tools::per_element());
    for (int64_t i = 0; i < images.numel(); ++i) BOOST_TEST(std::fabs(at(images, i)) < 1.0f);
    BOOST_TEST(s.run(*d, {{"x", images}}).shape() == Shape({3, 1}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_vae_encoder_sizes_itself_from_its_first_input) {
    Models s;
    auto e = s.make(CHM_KIND_ENCODER, "mlp", "hidden: [512, 256]\nhead: gaussian\nout_features: 20", "encoder");
    BOOST_TEST(s.ctx.parameters().all().empty());  // nothing until the first batch
    NamedTensors out = e->forward({{"x", random_tensor(s.ctx, {2, 1, 28, 28}, 2)}});
    BOOST_TEST(s.ctx.parameters().count_elements() == 784 * 512 + 512 + 512 * 256 + 256 + 2 * (256 * 20 + 20));
    BOOST_TEST_REQUIRE(out.size() == 2u);
    BOOST_TEST(out[0].first == "mu");
    BOOST_TEST(out[1].second.shape() == Shape({2, 20}), boost::test_tools::per_element());
    BOOST_CHECK_EXCEPTION(e->forward({{"x", random_tensor(s.ctx, {2, 10}, 2)}}), PluginError, [](const PluginError& err) {
        return std::string(err.what()).find("input 'x' has 10 features per example; this mlp was built for 784") !=
               std::string::npos;
    });
}

BOOST_AUTO_TEST_CASE(batch_norm_statistics_move_only_while_training) {
    Models s;
    auto e = s.make(CHM_KIND_ENCODER, "mlp", "in_features: 4\nhidden: [3]\nbatch_norm: true\nout_features: 2", "enc");
    Tensor mean = s.ctx.parameters().find("enc.fc0.bn.running_mean");
    BOOST_TEST_REQUIRE(mean.defined());
    BOOST_TEST(s.ctx.parameters().buffers().size() == 2u);
    Tensor x = random_tensor(s.ctx, {8, 4}, 4, 1, 3);
    s.run(*e, {{"x", x}});
    std::vector<float> after_training = values_of(mean);
    BOOST_TEST(after_training != std::vector<float>(3, 0.0f), boost::test_tools::per_element());
    s.ctx.set_training(false);
    s.run(*e, {{"x", x}});
    BOOST_TEST(values_of(mean) == after_training, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(mlp_gradients_match_finite_differences) {
    Models s;
    for (std::string yaml : {"in_features: 5\nhidden: [4, 3]\nactivation: tanh\nout_features: 2",
                             "in_features: 5\nhidden: [6]\nbatch_norm: true\nactivation: elu\nout_features: 3\noutput_activation: sigmoid",
                             "in_features: 5\nhidden: [4]\ndropout: 0.3\nactivation: tanh\nhead: gaussian\nout_features: 2"}) {
        BOOST_TEST_CONTEXT(yaml) {
            auto m = s.make(CHM_KIND_ENCODER, "mlp", yaml, "m" + std::to_string(s.ctx.parameters().all().size()));
            Function f = [&](Context&, const std::vector<Tensor>& in) { return m->forward({{"x", in[0]}}).back().second; };
            BOOST_TEST(check_gradients(s.ctx, f, {random_tensor(s.ctx, {4, 5}, 5)}, smooth) == "");
        }
    }
}

BOOST_AUTO_TEST_CASE(the_gaussian_latent_samples_while_training_and_is_the_mean_otherwise) {
    Models s;
    auto g = s.make(CHM_KIND_ENCODER, "gaussian", "", "latent");
    Tensor mu = s.ctx.empty(DType::f32, {20000, 1}), logvar = s.ctx.empty(DType::f32, {20000, 1});
    for (int i = 0; i < 20000; ++i) {
        mu.data<float>()[i] = 1.5f;
        logvar.data<float>()[i] = std::log(0.25f);  // std 0.5
    }
    Tensor z = s.run(*g, {{"mu", mu}, {"logvar", logvar}});
    double sum = 0, sq = 0;
    for (int i = 0; i < 20000; ++i) {
        sum += at(z, i);
        sq += double(at(z, i)) * at(z, i);
    }
    double mean = sum / 20000, sd = std::sqrt(sq / 20000 - mean * mean);
    BOOST_TEST(mean == 1.5, boost::test_tools::tolerance(0.01));
    BOOST_TEST(sd == 0.5, boost::test_tools::tolerance(0.03));
    s.ctx.set_training(false);
    BOOST_TEST(s.run(*g, {{"mu", mu}, {"logvar", logvar}}).same(mu));
    s.ctx.set_training(true);
    Function f = [&](Context&, const std::vector<Tensor>& in) { return s.run(*g, {{"mu", in[0]}, {"logvar", in[1]}}); };
    BOOST_TEST(check_gradients(s.ctx, f, {random_tensor(s.ctx, {3, 2}, 6), random_tensor(s.ctx, {3, 2}, 7)}, smooth) == "");
}

BOOST_AUTO_TEST_CASE(losses_match_their_formulas) {
    Models s;
    Tensor x = tensor_of(s.ctx, {2, 2}, {0.5f, -1.0f, 2.0f, 0.0f});
    Tensor t = tensor_of(s.ctx, {2, 2}, {1.0f, 0.0f, 1.0f, 1.0f});
    // mse mean: ((0.5-1)^2 + 1 + 1 + 1) / 4
    BOOST_TEST(s.loss("mse", "", {{"x", x}, {"target", t}}) == (0.25 + 1 + 1 + 1) / 4, boost::test_tools::tolerance(1e-6));
    BOOST_TEST(s.loss("l1", "reduction: sum", {{"x", x}, {"target", t}}) == 0.5 + 1 + 1 + 1, boost::test_tools::tolerance(1e-6));
    // bce_logits, batch_sum: sum over all of softplus(x) - x t, divided by the batch of 2.
    double expected = 0;
    for (int i = 0; i < 4; ++i) expected += std::log1p(std::exp(at(x, i))) - at(x, i) * at(t, i);
    BOOST_TEST(s.loss("bce_logits", "", {{"x", x}, {"target", t}}) == expected / 2, boost::test_tools::tolerance(1e-5));
    // bce on sigmoid(x) equals bce_logits on x.
    Tensor p = s.ctx.empty(DType::f32, {2, 2});
    for (int i = 0; i < 4; ++i) p.data<float>()[i] = 1.0f / (1.0f + std::exp(-at(x, i)));
    BOOST_TEST(s.loss("bce", "", {{"x", p}, {"target", t}}) == expected / 2, boost::test_tools::tolerance(1e-4));
    // kl_normal: -1/2 (1 + logvar - mu^2 - exp(logvar)) summed per example, mean over the batch.
    Tensor mu = tensor_of(s.ctx, {2, 1}, {1.0f, 0.0f}), lv = tensor_of(s.ctx, {2, 1}, {0.0f, std::log(2.0f)});
    double kl = (-0.5 * (1 + 0 - 1 - 1) + -0.5 * (1 + std::log(2.0) - 0 - 2)) / 2;
    BOOST_TEST(s.loss("kl_normal", "", {{"mu", mu}, {"logvar", lv}}) == kl, boost::test_tools::tolerance(1e-5));
}

BOOST_AUTO_TEST_CASE(gan_losses_match_their_formulas_for_both_players) {
    Models s;
    Tensor real = tensor_of(s.ctx, {2, 1}, {2.0f, -0.5f}), fake = tensor_of(s.ctx, {2, 1}, {-1.0f, 0.25f});
    auto sp = [](double v) { return std::log1p(std::exp(v)); };
    auto mean2 = [](double a, double b) { return (a + b) / 2; };
    NamedTensors both{{"real", real}, {"fake", fake}}, only_fake{{"fake", fake}};
    BOOST_TEST(s.loss("gan", "", both) == mean2(sp(-2), sp(0.5)) + mean2(sp(-1), sp(0.25)), boost::test_tools::tolerance(1e-5));
    BOOST_TEST(s.loss("gan", "mode: least_squares", both) == mean2(0.5, 0.5 * 2.25) + mean2(0.5, 0.5 * 0.0625),
               boost::test_tools::tolerance(1e-5));
    BOOST_TEST(s.loss("gan", "mode: hinge", both) == mean2(0, 1.5) + mean2(0, 1.25), boost::test_tools::tolerance(1e-5));
    BOOST_TEST(s.loss("gan", "player: generator", only_fake) == mean2(sp(1), sp(-0.25)), boost::test_tools::tolerance(1e-5));
    BOOST_TEST(s.loss("gan", "player: generator\nmode: minimax", only_fake) == -mean2(sp(-1), sp(0.25)),
               boost::test_tools::tolerance(1e-5));
    BOOST_TEST(s.loss("gan", "player: generator\nmode: hinge", only_fake) == mean2(1, -0.25), boost::test_tools::tolerance(1e-5));
}

BOOST_AUTO_TEST_CASE(loss_gradients_match_finite_differences) {
    Models s;
    struct Case {
        std::string loss, yaml, a, b;
        float lo, hi;  // input range of the first argument
    };
    for (const Case& c : std::vector<Case>{{"mse", "", "x", "target", -1, 1}, {"l1", "", "x", "target", -1, 1},
                                           {"bce", "", "x", "target", 0.1f, 0.9f}, {"bce_logits", "", "x", "target", -2, 2},
                                           {"kl_normal", "", "mu", "logvar", -1, 1},
                                           {"gan", "mode: hinge", "real", "fake", -0.5f, 0.5f},
                                           {"gan", "", "real", "fake", -2, 2}}) {
        BOOST_TEST_CONTEXT(c.loss << " " << c.yaml) {
            auto l = s.make(CHM_KIND_LOSS, c.loss, c.yaml, c.loss);
            Function f = [&](Context&, const std::vector<Tensor>& in) { return s.run(*l, {{c.a, in[0]}, {c.b, in[1]}}); };
            // l1's kink: keep x away from the target by shifting it.
            Tensor a = c.loss == "l1" ? random_away_from_zero(s.ctx, {3, 4}, 8) : random_tensor(s.ctx, {3, 4}, 8, c.lo, c.hi);
            Tensor b = c.loss == "l1" ? s.ctx.zeros(DType::f32, {3, 4}) : random_tensor(s.ctx, {3, 4}, 9, 0.05f, 0.95f);
            BOOST_TEST(check_gradients(s.ctx, f, {a, b}, smooth, {true, c.loss != "bce" && c.loss != "bce_logits"}) == "");
        }
    }
}

BOOST_AUTO_TEST_CASE(weight_penalties_sum_their_inputs_skipping_biases_unless_asked) {
    Models s;
    const auto exact = boost::test_tools::tolerance(1e-6);  // a few float32 sums of small values
    NamedTensors params{{"encoder.fc1.weight", tensor_of(s.ctx, {2, 2}, {1.0f, -2.0f, 3.0f, 0.5f})},
                        {"encoder.fc1.bias", tensor_of(s.ctx, {2}, {1.0f, 2.0f})}};
    BOOST_TEST(s.loss("l1_penalty", "", params) == 1 + 2 + 3 + 0.5, exact);
    BOOST_TEST(s.loss("l1_penalty", "include_bias: true", params) == 6.5 + 1 + 2, exact);
    BOOST_TEST(s.loss("l2_penalty", "", params) == 1 + 4 + 9 + 0.25, exact);
    BOOST_TEST(s.loss("l2_penalty", "include_bias: true", params) == 14.25 + 1 + 4, exact);
    // A scalar, as the other losses give.
    auto l2 = s.make(CHM_KIND_LOSS, "l2_penalty", "", "l2_penalty");
    BOOST_TEST(s.run(*l2, params).shape() == s.run(*s.make(CHM_KIND_LOSS, "mse", "", "mse"),
                                                   {{"x", params[0].second}, {"target", params[0].second}})
                                                 .shape(),
               boost::test_tools::per_element());
    BOOST_TEST(s.run(*l2, params).rank() == 0);
}

BOOST_AUTO_TEST_CASE(weight_penalty_gradients_match_finite_differences) {
    Models s;
    for (std::string loss : {"l1_penalty", "l2_penalty"}) {
        for (std::string yaml : {"", "include_bias: true"}) {
            BOOST_TEST_CONTEXT(loss << " " << yaml) {
                auto l = s.make(CHM_KIND_LOSS, loss, yaml, loss);
                Function f = [&](Context&, const std::vector<Tensor>& in) {
                    return s.run(*l, {{"dec.fc0.weight", in[0]}, {"dec.fc0.bias", in[1]}, {"dec.conv.weight", in[2]}});
                };
                // Away from zero for l1's kink; without include_bias the bias's gradient must be 0.
                std::vector<Tensor> in{random_away_from_zero(s.ctx, {3, 4}, 10), random_away_from_zero(s.ctx, {4}, 11),
                                       random_away_from_zero(s.ctx, {2, 1, 3, 3}, 12)};
                BOOST_TEST(check_gradients(s.ctx, f, in, smooth) == "");
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(a_weight_penalty_without_parameters_to_penalise_fails_clearly) {
    Models s;
    auto message_of = [&](const std::string& loss, const NamedTensors& in) -> std::string {
        try {
            s.loss(loss, "", in);
        } catch (const PluginError& e) {
            return e.what();
        }
        return "no error";
    };
    auto contains = [](const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; };
    std::string none = message_of("l2_penalty", {});
    BOOST_TEST(contains(none, "l2_penalty: no parameters to penalise (inputs: none)"), none);
    std::string only_bias = message_of("l1_penalty", {{"encoder.fc1.bias", tensor_of(s.ctx, {2}, {1.0f, 2.0f})}});
    BOOST_TEST(contains(only_bias, "l1_penalty: no parameters to penalise (inputs: encoder.fc1.bias)"), only_bias);
    BOOST_TEST(contains(only_bias, "include_bias"), only_bias);
}
