// The conv plugin through the host: parameter counts and output shapes of the issue's conv
// autoencoder and DCGAN, gradients by finite differences (inputs and parameters, batch norm
// training, pooling, the condition), errors that name the block, the option or the port, and
// outputs that depend on the class label.
#define BOOST_TEST_MODULE plugins_conv
#include <boost/test/unit_test.hpp>

#include "autograd/parameter_store.hpp"
#include "autograd/graph.hpp"
#include "core/host_error.hpp"
#include "support/gradient_check.hpp"
#include "support/plugin_session.hpp"

#include <cmath>
#include <functional>
#include <sstream>

using namespace chimera;
using namespace chimera::test;

namespace {

struct Models : PluginSession {
    Models() : PluginSession({CONV_PLUGIN_FILE}, 1, 5) {}
    // Output `out` (the last when empty) of a module.
    Tensor run(const ComponentInstance& m, const NamedTensors& in, const std::string& out = "") {
        NamedTensors o = m.forward(in);
        for (const auto& [name, t] : o)
            if (name == out) return t;
        BOOST_TEST_REQUIRE(out.empty());
        return o.back().second;
    }
    // Parameters made since `before` elements existed.
    int64_t added(int64_t& before) {
        int64_t now = ctx.parameters().count_elements(), n = now - before;
        before = now;
        return n;
    }
    Tensor labels(const std::vector<int32_t>& values) {
        Tensor t = ctx.empty(DType::i32, {int64_t(values.size())});
        std::copy(values.begin(), values.end(), t.data<int32_t>());
        return t;
    }
};

// The message of the PluginError that `body` throws ("no error" when it throws none).
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
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(the_issues_conv_autoencoder_has_the_reference_parameter_counts) {
    Models s;
    int64_t before = 0;
    // Encoder (the defaults): 3x3 same convs 1 -> 32 -> 64 -> 128, max pools after the first
    // two (28 -> 14 -> 7), relu, flatten 128*7*7 -> 128.
    auto enc = s.make(CHM_KIND_ENCODER, "conv", "", "encoder");
    Tensor x = random_tensor(s.ctx, {2, 1, 28, 28}, 1, 0, 1);
    Tensor code = s.run(*enc, {{"x", x}}, "y");
    BOOST_TEST(code.shape() == Shape({2, 128}), boost::test_tools::per_element());
    BOOST_TEST(s.added(before) ==
               (1 * 32 * 9 + 32) + (32 * 64 * 9 + 64) + (64 * 128 * 9 + 128) + (128 * 7 * 7 * 128 + 128));
    BOOST_TEST(s.ctx.parameters().count_elements() == 895616);
    // Decoder: dense 1024, dense 64*7*7, reshape, 4x4 stride 2 transposed convs 64 -> 32 -> 1, sigmoid.
    auto dec = s.make(CHM_KIND_GENERATOR, "deconv", "hidden: [1024]\noutput_shape: [1, 28, 28]", "decoder");
    Tensor image = s.run(*dec, {{"z", code}}, "y");
    BOOST_TEST(image.shape() == Shape({2, 1, 28, 28}), boost::test_tools::per_element());
    BOOST_TEST(s.added(before) == (128 * 1024 + 1024) + (1024 * 3136 + 3136) + (64 * 32 * 16 + 32) + (32 * 1 * 16 + 1));
    BOOST_TEST(s.ctx.parameters().count_elements() - 895616 == 3379809);
    for (int64_t i = 0; i < image.numel(); ++i) BOOST_TEST((image.data<float>()[i] > 0 && image.data<float>()[i] < 1));
}

BOOST_AUTO_TEST_CASE(the_dcgan_has_the_reference_parameter_counts_and_shapes) {
    Models s;
    int64_t before = 0;
    // Generator: z 100 -> dense 128*7*7, batch norm, relu, convT 128 -> 64 (4x4, stride 2,
    // padding 1), batch norm, relu, convT 64 -> 1, tanh. Built before the first batch.
    auto g = s.make(CHM_KIND_GENERATOR, "deconv",
                    "in_features: 100\nstart_shape: [128, 7, 7]\nstart_norm: batch\nchannels: [64, 1]\n"
                    "norm: [batch, none]\nactivation: [relu, tanh]\noutput_shape: [1, 28, 28]",
                    "generator");
    BOOST_TEST(s.added(before) == (100 * 6272 + 6272) + 2 * 128 + (128 * 64 * 16 + 64) + 2 * 64 + (64 * 1 * 16 + 1));
    BOOST_TEST(s.ctx.parameters().count_elements() == 766017);
    BOOST_TEST(s.ctx.parameters().buffers().size() == 4u);  // two running means and variances
    // Discriminator: conv 1 -> 64 and 64 -> 128 (4x4, stride 2, padding 1), leaky relu 0.2,
    // batch norm on the second, dense to one logit.
    auto d = s.make(CHM_KIND_ENCODER, "conv",
                    "channels: [64, 128]\nkernel: [4]\nstride: [2]\npadding: [1]\npool: [none]\nnorm: [none, batch]\n"
                    "activation: [leaky_relu]\nnegative_slope: 0.2\nout_features: 1\nin_shape: [1, 28, 28]",
                    "discriminator");
    BOOST_TEST(s.added(before) == (1 * 64 * 16 + 64) + (64 * 128 * 16 + 128) + 2 * 128 + (128 * 7 * 7 + 1));
    BOOST_TEST(s.ctx.parameters().count_elements() - 766017 == 138817);
    Tensor fake = s.run(*g, {{"z", random_tensor(s.ctx, {3, 100}, 2)}});
    BOOST_TEST(fake.shape() == Shape({3, 1, 28, 28}), boost::test_tools::per_element());
    for (int64_t i = 0; i < fake.numel(); ++i) BOOST_TEST(std::fabs(fake.data<float>()[i]) < 1.0f);
    BOOST_TEST(s.run(*d, {{"x", fake}}).shape() == Shape({3, 1}), boost::test_tools::per_element());
    // Evaluation uses the running statistics, so one example alone goes through too.
    s.ctx.set_training(false);
    BOOST_TEST(s.run(*g, {{"z", random_tensor(s.ctx, {1, 100}, 3)}}).shape() == Shape({1, 1, 28, 28}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(the_conditional_dcgan_has_the_reference_parameter_counts) {
    Models s;
    int64_t before = 0;
    // bench/reference's cgan: the one-hot class joins z (dense 110 -> 128*7*7) and the
    // discriminator's flattened features (dense 128*7*7 + 10 -> 1).
    s.make(CHM_KIND_GENERATOR, "deconv",
           "in_features: 100\nstart_shape: [128, 7, 7]\nstart_norm: batch\nchannels: [64, 1]\n"
           "norm: [batch, none]\nactivation: [relu, tanh]\ncondition: label",
           "generator");
    BOOST_TEST(s.added(before) == 766017 + 10 * 6272);
    auto d = s.make(CHM_KIND_ENCODER, "conv",
                    "channels: [64, 128]\nkernel: [4]\nstride: [2]\npadding: [1]\npool: [none]\nnorm: [none, batch]\n"
                    "activation: [leaky_relu]\nout_features: 1\nin_shape: [1, 28, 28]\ncondition: label",
                    "discriminator");
    BOOST_TEST(s.added(before) == 138817 + 10);
    Tensor x = random_tensor(s.ctx, {2, 1, 28, 28}, 3);
    BOOST_TEST(s.run(*d, {{"x", x}, {"label", s.labels({9, 0})}}).shape() == Shape({2, 1}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_gaussian_head_and_hidden_layers_follow_the_blocks) {
    Models s;
    auto e = s.make(CHM_KIND_ENCODER, "conv",
                    "channels: [4]\npool: [avg]\nhidden: [16]\nhead: gaussian\nout_features: 3", "vae");
    NamedTensors out = e->forward({{"x", random_tensor(s.ctx, {2, 2, 8, 8}, 4)}});
    // mu and logvar, and (conv 1.1.0) the features the head reads: the hidden layer's 16.
    BOOST_TEST_REQUIRE(out.size() == 3u);
    auto shape_of = [&](const std::string& name) {
        for (const auto& [n, t] : out)
            if (n == name) return t.shape();
        return Shape{};
    };
    BOOST_TEST(shape_of("mu") == Shape({2, 3}), boost::test_tools::per_element());
    BOOST_TEST(shape_of("logvar") == Shape({2, 3}), boost::test_tools::per_element());
    BOOST_TEST(shape_of("features") == Shape({2, 16}), boost::test_tools::per_element());
    // 2 -> 4 channels 3x3, 8x8 pooled to 4x4, 64 -> 16 -> 3 twice.
    BOOST_TEST(s.ctx.parameters().count_elements() == (2 * 4 * 9 + 4) + (64 * 16 + 16) + 2 * (16 * 3 + 3));
    BOOST_TEST(s.ctx.parameters().find("vae.block1.weight").shape() == Shape({4, 2, 3, 3}),
               boost::test_tools::per_element());
}

// Spectrograms [N, H, W]: the encoder reads them as one channel (the same numbers as [N, 1, H, W]),
// and a generator whose output_shape is [H, W] gives them back without the channel.
BOOST_AUTO_TEST_CASE(single_channel_maps_go_in_and_come_out_without_their_channel) {
    Models s;
    auto e = s.make(CHM_KIND_ENCODER, "conv", "channels: [4]\nstride: [2]\npadding: [1]\nkernel: [4]\npool: [none]\nout_features: 3", "audio");
    Tensor map = random_tensor(s.ctx, {2, 8, 12}, 6);
    Tensor as_image = tensor_of(s.ctx, {2, 1, 8, 12}, values_of(map));
    BOOST_TEST(values_of(s.run(*e, {{"x", map}})) == values_of(s.run(*e, {{"x", as_image}})), boost::test_tools::per_element());
    auto g = s.make(CHM_KIND_GENERATOR, "deconv",
                    "start_shape: [4, 4, 6]\nchannels: [1]\nkernel: [4]\nstride: [2]\npadding: [1]\nactivation: [none]\noutput_shape: [8, 12]", "gen");
    BOOST_TEST(s.run(*g, {{"z", random_tensor(s.ctx, {2, 3}, 7)}}).shape() == Shape({2, 8, 12}), boost::test_tools::per_element());
    std::string e2 = error_of([&] {
        s.make(CHM_KIND_GENERATOR, "deconv", "start_shape: [4, 4, 6]\nchannels: [2]\nkernel: [4]\nstride: [2]\npadding: [1]\nactivation: [none]\noutput_shape: [8, 12]", "two");
    });
    BOOST_TEST(contains(e2, "output_shape wants [1, 8, 12]"), e2);
}

BOOST_AUTO_TEST_CASE(encoder_gradients_match_finite_differences) {
    Models s;
    // Batch norm while training, max and average pooling, hidden layers, both dropouts.
    for (std::string yaml :
         {"channels: [2, 3]\npool: [max, avg]\nnorm: [batch, none]\nactivation: [tanh]\nhidden: [4]\nout_features: 2",
          "channels: [3]\nkernel: [2]\nstride: [2]\npadding: [0]\npool: [none]\nactivation: [elu]\n"
          "dropout: [0.25]\nhidden: [3]\nhidden_dropout: 0.5\nhead: gaussian\nout_features: 2"}) {
        BOOST_TEST_CONTEXT(yaml) {
            std::string name = "e" + std::to_string(s.ctx.parameters().all().size());
            auto m = s.make(CHM_KIND_ENCODER, "conv", yaml, name);
            Tensor x = random_tensor(s.ctx, {3, 1, 6, 6}, 5);
            Function f = [&](Context&, const std::vector<Tensor>& in) { return s.run(*m, {{"x", in[0]}}); };
            BOOST_TEST(check_gradients(s.ctx, f, {x}, smooth) == "");
            auto output = [&] { return s.run(*m, {{"x", x}}); };
            BOOST_TEST(check_parameter_gradients(s.ctx, output, s.ctx.parameters().under(name), smooth) == "");
        }
    }
}

BOOST_AUTO_TEST_CASE(generator_gradients_match_finite_differences) {
    Models s;
    auto g = s.make(
        CHM_KIND_GENERATOR, "deconv",
        "hidden: [5]\nhidden_activation: tanh\nstart_shape: [2, 2, 2]\nstart_norm: batch\nstart_activation: tanh\n"
        "channels: [2, 1]\nkernel: [3]\nstride: [2]\npadding: [1]\noutput_padding: [1]\nnorm: [batch, none]\n"
        "activation: [tanh, sigmoid]\ndropout: [0.3, 0]\noutput_shape: [1, 8, 8]",
        "g");
    Tensor z = random_tensor(s.ctx, {3, 4}, 6);
    Function f = [&](Context&, const std::vector<Tensor>& in) { return s.run(*g, {{"z", in[0]}}); };
    BOOST_TEST(check_gradients(s.ctx, f, {z}, smooth) == "");
    auto output = [&] { return s.run(*g, {{"z", z}}); };
    BOOST_TEST(check_parameter_gradients(s.ctx, output, s.ctx.parameters().under("g"), smooth) == "");
}

BOOST_AUTO_TEST_CASE(blocks_that_cannot_apply_name_themselves_and_the_shapes) {
    Models s;
    auto e = s.make(CHM_KIND_ENCODER, "conv", "channels: [4, 8, 8]\nstride: [2]\npadding: [0]\npool: [none]", "e");
    std::string m = error_of([&] { s.run(*e, {{"x", random_tensor(s.ctx, {1, 1, 12, 12}, 7)}}); });
    BOOST_TEST(contains(m,
                        "block 3: a 3x3 kernel with stride 2 and padding 0 cannot apply to 2x2 "
                        "(input [1, 12, 12] -> block 1 [4, 5, 5] -> block 2 [8, 2, 2])"),
               m);
    BOOST_TEST(s.ctx.parameters().all().empty());  // nothing half-built
    m = error_of([&] { s.make(CHM_KIND_ENCODER, "conv", "channels: [4, 4]\npool: [max]\nin_shape: [1, 3, 3]", "p"); });
    BOOST_TEST(contains(m, "block 2: a 2x2 max pool cannot apply to the 1x1 output of its convolution"), m);
    m = error_of([&] { s.run(*e, {{"x", random_tensor(s.ctx, {2, 100}, 7)}}); });
    BOOST_TEST(contains(m, "input 'x' is [2, 100]; the conv encoder reads images [N, C, H, W]"), m);
    auto ok = s.make(CHM_KIND_ENCODER, "conv", "channels: [2]\npool: [none]", "ok");
    s.run(*ok, {{"x", random_tensor(s.ctx, {1, 1, 4, 4}, 7)}});
    m = error_of([&] { s.run(*ok, {{"x", random_tensor(s.ctx, {1, 1, 5, 4}, 7)}}); });
    BOOST_TEST(contains(m, "input 'x' is [N, 1, 5, 4]; this conv encoder was built for [N, 1, 4, 4]"), m);

    // The generator checks its blocks when made, before any batch.
    m = error_of([&] {
        s.make(CHM_KIND_GENERATOR, "deconv",
               "start_shape: [128, 7, 7]\nchannels: [64, 1]\nkernel: [4, 3]\nstride: [2, 1]\n"
               "output_shape: [1, 28, 28]",
               "g1");
    });
    BOOST_TEST(contains(m,
                        "the blocks give [1, 14, 14] after block 2; output_shape wants [1, 28, 28] "
                        "(start_shape [128, 7, 7] -> block 1 [64, 14, 14] -> block 2 [1, 14, 14])"),
               m);
    m = error_of([&] {
        s.make(CHM_KIND_GENERATOR, "deconv",
               "start_shape: [4, 2, 2]\nchannels: [4, 1]\nkernel: [3, 1]\nstride: [1]\npadding: [0, 2]", "g2");
    });
    BOOST_TEST(contains(m, "block 2: a 1x1 transposed kernel with stride 1 and padding 2 would make 4x4 into 0x0"), m);
    m = error_of([&] { s.make(CHM_KIND_GENERATOR, "deconv", "output_padding: [2]", "g3"); });
    BOOST_TEST(contains(m, "block 1: output_padding 2 must be smaller than its stride 2"), m);
}

BOOST_AUTO_TEST_CASE(per_block_lists_hold_one_value_or_one_per_block) {
    Models s;
    std::string m = error_of([&] { s.make(CHM_KIND_ENCODER, "conv", "channels: [8, 16, 32]\nkernel: [3, 5]", "e"); });
    BOOST_TEST(
        contains(m,
                 "kernel has 2 values for 3 blocks (channels has 3); give one value for every block or one per block"),
        m);
    m = error_of([&] { s.make(CHM_KIND_ENCODER, "conv", "channels: [8, 16]", "e"); });  // the default pool has 3
    BOOST_TEST(contains(m, "pool has 3 values for 2 blocks"), m);
    m = error_of(
        [&] { s.make(CHM_KIND_GENERATOR, "deconv", "channels: [16, 8, 1]", "g"); });  // the default activation has 2
    BOOST_TEST(contains(m, "activation has 2 values for 3 blocks"), m);
    m = error_of([&] { s.make(CHM_KIND_GENERATOR, "deconv", "channels: []", "g"); });
    BOOST_TEST(contains(m, "channels needs at least one block"), m);
}

BOOST_AUTO_TEST_CASE(a_missing_or_bad_condition_names_the_port) {
    Models s;
    auto e = s.make(CHM_KIND_ENCODER, "conv", "channels: [2]\npool: [none]\ncondition: label\nclasses: 3", "e");
    Tensor x = random_tensor(s.ctx, {2, 1, 4, 4}, 8);
    std::string m = error_of([&] { s.run(*e, {{"x", x}}); });
    // The condition's port is named by the option: the host names it before the plugin runs.
    BOOST_TEST(contains(m, "required input 'label' is missing (int32 class labels, one per example)"), m);
    m = error_of([&] { s.run(*e, {{"x", x}, {"label", s.labels({0, 3})}}); });
    BOOST_TEST(contains(m, "condition input 'label': label 3 (example 1) is outside [0, 3)"), m);
    m = error_of([&] { s.run(*e, {{"x", x}, {"label", s.labels({0})}}); });
    BOOST_TEST(contains(m, "input 'label' is i32[1] but port label ({condition}) is [N, ...] with N = 2 bound by input 'x' f32[2, 1, 4, 4]"), m);
    m = error_of([&] { s.run(*e, {{"x", x}, {"label", random_tensor(s.ctx, {2}, 8)}}); });
    BOOST_TEST(contains(m, "input 'label' is f32[2] but port label ({condition}) takes i32"), m);
    auto g = s.make(CHM_KIND_GENERATOR, "deconv", "condition: y_class", "g");
    m = error_of([&] { s.run(*g, {{"z", random_tensor(s.ctx, {2, 4}, 8)}}); });
    BOOST_TEST(contains(m, "required input 'y_class' is missing"), m);
}

BOOST_AUTO_TEST_CASE(conditioned_outputs_depend_on_the_label) {
    Models s;
    Tensor x = random_tensor(s.ctx, {1, 1, 6, 6}, 9);
    // One-hot rows appended to the flattened features (3 channels of 3x3): the head sees 27 + 4.
    // As image planes instead: the first conv sees 1 + 4 channels.
    for (std::string at : {"features", "image"}) {
        BOOST_TEST_CONTEXT(at) {
            auto e = s.make(CHM_KIND_ENCODER, "conv",
                            "channels: [3]\npool: [max]\nclasses: 4\nout_features: 2\ncondition: label\n"
                            "condition_at: " + at, at);
            Tensor a = s.run(*e, {{"x", x}, {"label", s.labels({0})}});
            Tensor b = s.run(*e, {{"x", x}, {"label", s.labels({2})}});
            Shape conv = at == "image" ? Shape{3, 5, 3, 3} : Shape{3, 1, 3, 3};
            Shape out = at == "image" ? Shape{2, 27} : Shape{2, 31};
            BOOST_TEST(s.ctx.parameters().find(at + ".block1.weight").shape() == conv,
                       boost::test_tools::per_element());
            BOOST_TEST(s.ctx.parameters().find(at + ".out.weight").shape() == out, boost::test_tools::per_element());
            BOOST_TEST(values_of(a) != values_of(b));
            BOOST_TEST(values_of(a) == values_of(s.run(*e, {{"x", x}, {"label", s.labels({0})}})),
                       boost::test_tools::per_element());
        }
    }
    // A trained embedding appended to z: the first dense layer sees 4 + 3 features.
    auto g = s.make(CHM_KIND_GENERATOR, "deconv",
                    "start_shape: [2, 2, 2]\nchannels: [1]\nactivation: [sigmoid]\n"
                    "condition: label\nclasses: 5\ncondition_mode: embed\nembed_dim: 3",
                    "g");
    Tensor z = random_tensor(s.ctx, {1, 4}, 10);
    Tensor p = s.run(*g, {{"z", z}, {"label", s.labels({1})}}), q = s.run(*g, {{"z", z}, {"label", s.labels({4})}});
    BOOST_TEST(s.ctx.parameters().find("g.embed.weight").shape() == Shape({5, 3}), boost::test_tools::per_element());
    BOOST_TEST(s.ctx.parameters().find("g.start.weight").shape() == Shape({8, 7}), boost::test_tools::per_element());
    BOOST_TEST(p.shape() == Shape({1, 1, 4, 4}), boost::test_tools::per_element());
    BOOST_TEST(values_of(p) != values_of(q));
}

BOOST_AUTO_TEST_CASE(conditioned_gradients_match_finite_differences) {
    Models s;
    Tensor labels = s.labels({2, 0, 1});
    for (std::string at : {"features", "image"}) {
        BOOST_TEST_CONTEXT(at) {
            auto e = s.make(CHM_KIND_ENCODER, "conv",
                            "channels: [2]\npool: [avg]\nactivation: [tanh]\nout_features: 2\n"
                            "condition: label\nclasses: 3\ncondition_at: " + at, at);
            Function f = [&](Context&, const std::vector<Tensor>& in) {
                return s.run(*e, {{"x", in[0]}, {"label", in[1]}});
            };
            BOOST_TEST(check_gradients(s.ctx, f, {random_tensor(s.ctx, {3, 1, 4, 4}, 11), labels}, smooth) == "");
        }
    }
    auto g = s.make(CHM_KIND_GENERATOR, "deconv",
                    "start_shape: [2, 2, 2]\nstart_activation: tanh\nchannels: [1]\nactivation: [tanh]\n"
                    "condition: label\nclasses: 3\ncondition_mode: embed\nembed_dim: 2",
                    "g");
    Tensor z = random_tensor(s.ctx, {3, 2}, 12);
    Function f = [&](Context&, const std::vector<Tensor>& in) { return s.run(*g, {{"z", in[0]}, {"label", in[1]}}); };
    BOOST_TEST(check_gradients(s.ctx, f, {z, labels}, smooth) == "");
    // The embedding table trains: the rows of the labels used get their gradients.
    auto output = [&] { return s.run(*g, {{"z", z}, {"label", labels}}); };
    BOOST_TEST(check_parameter_gradients(s.ctx, output, s.ctx.parameters().under("g"), smooth) == "");
}
