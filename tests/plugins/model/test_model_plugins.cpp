// The model plugins through the host: mlp encoders and generators (parameter counts — including
// the GAN figures — lazy sizing, heads, shapes, batch norm and dropout), the gaussian
// latent, and every loss (weight penalties too) against its formula — mmd against a double-precision
// loop — with cross_entropy's accuracy and errors; gradients of each by finite differences; and
// cross_entropy, mmd and kl_normal against PyTorch (tests/data/loss_fixtures.txt); and an
// encoder started from a PyTorch state_dict (init_from safetensors) computing what PyTorch did.
#define BOOST_TEST_MODULE plugins_model
#include <boost/test/unit_test.hpp>

#include "autograd/parameter_store.hpp"
#include "autograd/graph.hpp"
#include "core/host_error.hpp"
#include "io/safetensors.hpp"
#include "run/foreign_weights.hpp"
#include "support/gradient_check.hpp"
#include "support/plugin_session.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <tuple>

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

Tensor labels_of(Context& ctx, const std::vector<int32_t>& values) {
    Tensor t = ctx.empty(DType::i32, {static_cast<int64_t>(values.size())});
    std::copy(values.begin(), values.end(), t.data<int32_t>());
    return t;
}

std::string message_of(const std::function<void()>& body) {
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

// The unbiased squared MMD by plain loops in double precision: the reference for the mmd loss.
double mmd_reference(const Tensor& x, const Tensor& y, bool gaussian, double sigma2, const std::vector<double>& scales) {
    const int64_t n = x.dim(0), m = y.dim(0), d = x.numel() / n;
    auto k = [&](const Tensor& a, int64_t i, const Tensor& b, int64_t j) {
        double d2 = 0;
        for (int64_t f = 0; f < d; ++f) d2 += std::pow(double(at(a, i * d + f)) - at(b, j * d + f), 2);
        double sum = 0;
        for (double s : scales) {
            double c = 2 * d * sigma2 * s;
            sum += gaussian ? std::exp(-d2 / c) : c / (c + d2);
        }
        return sum;
    };
    double xx = 0, yy = 0, xy = 0;
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j) xx += i == j ? 0 : k(x, i, x, j);
    for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < m; ++j) yy += i == j ? 0 : k(y, i, y, j);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < m; ++j) xy += k(x, i, y, j);
    return xx / (n * (n - 1)) + yy / (m * (m - 1)) - 2 * xy / (n * m);
}

// A case of tests/data/loss_fixtures.txt (see bench/reference/make_loss_fixtures.py for the format).
struct Values {
    bool i32 = false;
    Shape shape;
    std::vector<double> v;
};
using NamedValues = std::vector<std::pair<std::string, Values>>;
struct LossCase {
    std::string name, loss, options;
    NamedValues inputs, outputs, grads;
};

Values read_values(std::istringstream& in, bool i32) {
    Values r{i32, {}, {}};
    int rank;
    in >> rank;
    r.shape.resize(rank);
    for (auto& d : r.shape) in >> d;
    r.v.resize(numel(r.shape));
    for (auto& x : r.v) in >> x;
    BOOST_TEST_REQUIRE(!in.fail());
    return r;
}

std::vector<LossCase> read_loss_cases() {
#ifdef CHIMERA_TEST_DATA
    std::ifstream file(CHIMERA_TEST_DATA "/loss_fixtures.txt");
#else  // not passed to this test by tests/CMakeLists.txt: the directory beside this one's
    std::string here = __FILE__;
    std::ifstream file(here.substr(0, here.rfind("/plugins/model/")) + "/data/loss_fixtures.txt");
#endif
    BOOST_TEST_REQUIRE(file.good());
    std::vector<LossCase> cases;
    std::string line, tag, name, dtype;
    while (std::getline(file, line)) {
        std::istringstream in(line);
        in >> tag;
        if (tag == "case") {
            cases.emplace_back();
            in >> cases.back().name >> cases.back().loss;
        } else if (tag == "options") {
            cases.back().options = line.substr(8);
        } else if (tag == "input") {
            in >> name >> dtype;
            cases.back().inputs.emplace_back(name, read_values(in, dtype == "i32"));
        } else if (tag == "output" || tag == "grad") {
            in >> name;
            (tag == "output" ? cases.back().outputs : cases.back().grads).emplace_back(name, read_values(in, false));
        }
    }
    return cases;
}

Tensor tensor_from(Context& ctx, const Values& v) {
    Tensor t = ctx.empty(v.i32 ? DType::i32 : DType::f32, v.shape);
    for (std::size_t i = 0; i < v.v.size(); ++i) {
        if (v.i32) t.data<int32_t>()[i] = static_cast<int32_t>(v.v[i]);
        else t.data<float>()[i] = static_cast<float>(v.v[i]);
    }
    return t;
}

// "" when every element of `t` is within abs + rel |expected| of `expected`, else the misses.
std::string compare(const Tensor& t, const Values& expected, double abs, double rel) {
    if (!t.defined()) return "no tensor";
    if (t.shape() != expected.shape) return "shape " + describe(t);
    std::ostringstream out;
    for (std::size_t i = 0; i < expected.v.size(); ++i) {
        double a = at(t, i), b = expected.v[i];
        if (!(std::fabs(a - b) <= abs + rel * std::fabs(b))) out << "[" << i << "] " << a << " vs torch " << b << " ";
    }
    return out.str();
}

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

// bench/reference/make_init_from_fixture.py saved a PyTorch encoder's state_dict (nn.Sequential
// names, batch norm with int64 num_batches_tracked) and its eval outputs on fixed images.
BOOST_AUTO_TEST_CASE(an_encoder_started_from_a_pytorch_state_dict_computes_what_pytorch_did) {
    constexpr double tolerance = 1e-5;  // the bar for the same weights on the same inputs
    Models s;
    auto e = s.make(CHM_KIND_ENCODER, "mlp",
                    "in_features: 784\nhidden: [32, 16]\nactivation: leaky_relu\nnegative_slope: 0.2\n"
                    "batch_norm: true\nhead: gaussian\nout_features: 8", "encoder");
    ForeignWeights w;
    w.file = std::string(CHIMERA_TEST_DATA) + "/torch_encoder.safetensors";
    for (const auto& [chimera_layer, torch_linear, torch_norm] :
         {std::tuple{"fc0", "features.1", "features.2"}, std::tuple{"fc1", "features.4", "features.5"}}) {
        const std::string c = chimera_layer, l = torch_linear, n = torch_norm;
        for (const std::string p : {"weight", "bias"}) w.map[c + "." + p] = l + "." + p;
        for (const std::string p : {"weight", "bias", "running_mean", "running_var"}) w.map[c + ".bn." + p] = n + "." + p;
    }
    // mu.* and logvar.* are named alike on both sides: no map entry, the (empty) prefix finds them.
    load_foreign_weights(w, "encoder", s.ctx.parameters(), s.ctx.device().pool());
    SafetensorsContent io = read_safetensors(std::string(CHIMERA_TEST_DATA) + "/torch_encoder_io.safetensors", s.ctx.device().pool());
    std::map<std::string, Tensor> fixture(io.tensors.begin(), io.tensors.end());
    s.ctx.set_training(false);
    NamedTensors out = e->forward({{"x", fixture.at("x")}});
    for (const auto& [name, t] : out) {
        const std::vector<float> ours = values_of(t), theirs = values_of(fixture.at(name));
        BOOST_TEST_REQUIRE(ours.size() == theirs.size());
        double worst = 0;
        for (std::size_t i = 0; i < ours.size(); ++i) worst = std::max(worst, std::abs(double(ours[i]) - theirs[i]));
        BOOST_TEST(worst < tolerance, name << " differs from PyTorch by " << worst);
        BOOST_TEST_MESSAGE(name << " agrees with PyTorch to " << worst);
    }
    BOOST_TEST(out.size() == 2u);

    // Without the map, every misfit is named at once and nothing is copied.
    const std::vector<float> before = values_of(s.ctx.parameters().find("encoder.fc0.weight"));
    ForeignWeights wrong{w.file, {{"fc0.weight", "features.4.weight"}, {"fc7.bias", "features.1.bias"}}, ""};
    std::string message;
    try {
        load_foreign_weights(wrong, "encoder", s.ctx.parameters(), s.ctx.device().pool());
    } catch (const DataError& err) {
        message = err.what();
    }
    BOOST_TEST(message.find("torch_encoder.safetensors: 13 tensors of node 'encoder' do not fit:") != std::string::npos, message);
    BOOST_TEST(message.find("\n  map: 'fc7.bias' is not a tensor of node 'encoder'. Did you mean 'fc0.bias'?") != std::string::npos, message);
    BOOST_TEST(message.find("\n  fc0.weight (the file's 'features.4.weight'): the file's is f32[16, 32], the node needs f32[32, 784]") !=
                   std::string::npos, message);
    BOOST_TEST(message.find("\n  fc1.bn.running_var (the file's 'fc1.bn.running_var'): no such tensor in the file") != std::string::npos, message);
    BOOST_TEST(values_of(s.ctx.parameters().find("encoder.fc0.weight")) == before, boost::test_tools::per_element());
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

// Product of experts against its closed form on hand-computed Gaussians: experts N(1, 1) and
// N(3, 1/4) with the prior N(0, 1) have precision 1 + 1 + 4 = 6 and mean (1 + 12) / 6; the
// second example lacks the second modality: precision 2, mean 1/2.
BOOST_AUTO_TEST_CASE(the_product_of_experts_matches_its_closed_form_and_drops_absent_modalities) {
    Models s;
    auto poe = s.make(CHM_KIND_ENCODER, "poe", "modalities: [image, text]", "fusion");
    Tensor mu_a = tensor_of(s.ctx, {2, 1}, {1.0f, 1.0f}), lv_a = tensor_of(s.ctx, {2, 1}, {0.0f, 0.0f});
    Tensor mu_b = tensor_of(s.ctx, {2, 1}, {3.0f, 3.0f}), lv_b = tensor_of(s.ctx, {2, 1}, {std::log(0.25f), std::log(0.25f)});
    Tensor mask_b = tensor_of(s.ctx, {2}, {1.0f, 0.0f});
    NamedTensors in = {{"mu_image", mu_a}, {"logvar_image", lv_a}, {"mu_text", mu_b}, {"logvar_text", lv_b}, {"mask_text", mask_b}};
    Tensor mu = s.run(*poe, in, "mu"), logvar = s.run(*poe, in, "logvar");
    BOOST_TEST(at(mu, 0) == 13.0 / 6.0, boost::test_tools::tolerance(1e-5));
    BOOST_TEST(at(logvar, 0) == -std::log(6.0), boost::test_tools::tolerance(1e-5));
    BOOST_TEST(at(mu, 1) == 0.5, boost::test_tools::tolerance(1e-5));
    BOOST_TEST(at(logvar, 1) == -std::log(2.0), boost::test_tools::tolerance(1e-5));
    // Without the prior: precision 1 + 4 = 5, mean 13 / 5; a single expert is itself.
    auto bare = s.make(CHM_KIND_ENCODER, "poe", "modalities: [image, text]\nprior_expert: false", "bare");
    in.pop_back();
    BOOST_TEST(at(s.run(*bare, in, "mu"), 0) == 13.0 / 5.0, boost::test_tools::tolerance(1e-5));
    in.push_back({"mask_text", mask_b});
    BOOST_TEST(at(s.run(*bare, in, "mu"), 1) == 1.0, boost::test_tools::tolerance(1e-5));
    BOOST_TEST(std::fabs(at(s.run(*bare, in, "logvar"), 1)) < 1e-5);
    // Nobody present and no prior: an error naming the example, not a NaN.
    Tensor none = tensor_of(s.ctx, {2}, {1.0f, 0.0f});
    std::string lonely = message_of([&] {
        s.run(*bare, {{"mu_image", mu_a}, {"logvar_image", lv_a}, {"mask_image", none}, {"mu_text", mu_b}, {"logvar_text", lv_b}, {"mask_text", none}});
    });
    BOOST_TEST(lonely.find("example 1 has none of its modalities present and prior_expert is false") != std::string::npos, lonely);
    BOOST_TEST(message_of([&] { s.make(CHM_KIND_ENCODER, "poe", "modalities: [image, image]", "twice"); })
                   .find("'image' is named twice") != std::string::npos);
    // Gradients reach every expert's mean and log-variance.
    Function f = [&](Context&, const std::vector<Tensor>& x) {
        return s.run(*poe, {{"mu_image", x[0]}, {"logvar_image", x[1]}, {"mu_text", x[2]}, {"logvar_text", x[3]}}, "mu");
    };
    Function g = [&](Context&, const std::vector<Tensor>& x) {
        return s.run(*poe, {{"mu_image", x[0]}, {"logvar_image", x[1]}, {"mu_text", x[2]}, {"logvar_text", x[3]}}, "logvar");
    };
    std::vector<Tensor> x;
    for (uint64_t seed = 11; seed < 15; ++seed) x.push_back(random_tensor(s.ctx, {3, 2}, seed));
    BOOST_TEST(check_gradients(s.ctx, f, x, smooth) == "");
    BOOST_TEST(check_gradients(s.ctx, g, x, smooth) == "");
}

// The mixtures on N copies of two hand-made experts: image N(1, 1), text N(3, 1/4), D = 1.
struct TwoExperts {
    static constexpr int64_t n = 600;
    NamedTensors in;
    explicit TwoExperts(Context& ctx, const std::vector<float>& text_mask) {
        in = {{"mu_image", tensor_of(ctx, {n, 1}, std::vector<float>(n, 1.0f))},
              {"logvar_image", tensor_of(ctx, {n, 1}, std::vector<float>(n, 0.0f))},
              {"mu_text", tensor_of(ctx, {n, 1}, std::vector<float>(n, 3.0f))},
              {"logvar_text", tensor_of(ctx, {n, 1}, std::vector<float>(n, std::log(0.25f)))},
              {"mask_text", tensor_of(ctx, {n}, text_mask)}};
    }
};

// moe: each row is exactly one present expert, chosen evenly; absent experts are never chosen;
// no expert present gives the prior. mopoe: each row is the product (with the prior) of one
// non-empty subset of its present experts, the three subsets evenly; evaluating, the joint product.
BOOST_AUTO_TEST_CASE(the_mixtures_pick_present_experts_and_products_of_subsets_evenly) {
    Models s;
    std::vector<float> mask(TwoExperts::n, 1.0f);
    for (int64_t i = 0; i < TwoExperts::n; i += 3) mask[static_cast<std::size_t>(i)] = 0.0f;  // a third lack text
    TwoExperts e(s.ctx, mask);
    auto moe = s.make(CHM_KIND_ENCODER, "moe", "modalities: [image, text]", "moe");
    // One forward for both outputs: each forward draws afresh.
    NamedTensors out = moe->forward(e.in);
    Tensor mu = out[0].second, logvar = out[1].second;
    int image = 0, both_rows = 0;
    for (int64_t i = 0; i < TwoExperts::n; ++i) {
        const bool is_image = at(mu, i) == 1.0f && at(logvar, i) == 0.0f;
        const bool is_text = at(mu, i) == 3.0f && std::fabs(at(logvar, i) - std::log(0.25f)) < 1e-6f;
        BOOST_TEST_REQUIRE((is_image || is_text), i << ": " << at(mu, i) << " " << at(logvar, i));
        if (mask[static_cast<std::size_t>(i)] == 0.0f) BOOST_TEST_REQUIRE(is_image);
        else ++both_rows, image += is_image;
    }
    BOOST_TEST(std::abs(image - both_rows / 2) < 45);  // 400 fair draws: within 4.5 standard deviations
    NamedTensors nobody = e.in;
    nobody.push_back({"mask_image", tensor_of(s.ctx, {TwoExperts::n}, std::vector<float>(TwoExperts::n, 0.0f))});
    nobody[4].second = tensor_of(s.ctx, {TwoExperts::n}, std::vector<float>(TwoExperts::n, 0.0f));
    out = moe->forward(nobody);
    BOOST_TEST(at(out[0].second, 5) == 0.0f);
    BOOST_TEST(at(out[1].second, 5) == 0.0f);

    auto mopoe = s.make(CHM_KIND_ENCODER, "mopoe", "modalities: [image, text]", "mopoe");
    out = mopoe->forward(e.in);
    mu = out[0].second;
    logvar = out[1].second;
    // With the prior: image alone precision 2, mean 1/2; text alone 5, 12/5; both 6, 13/6.
    const std::vector<std::pair<double, double>> products{{0.5, 2}, {12.0 / 5, 5}, {13.0 / 6, 6}};
    std::vector<int> seen(3, 0);
    for (int64_t i = 0; i < TwoExperts::n; ++i) {
        int which = -1;
        for (int k = 0; k < 3; ++k)
            if (std::fabs(at(mu, i) - products[k].first) < 1e-5 && std::fabs(at(logvar, i) + std::log(products[k].second)) < 1e-5)
                which = k;
        BOOST_TEST_REQUIRE(which >= 0);
        if (mask[static_cast<std::size_t>(i)] == 0.0f) BOOST_TEST_REQUIRE(which == 0);
        else ++seen[static_cast<std::size_t>(which)];
    }
    for (int k = 0; k < 3; ++k) BOOST_TEST(std::abs(seen[static_cast<std::size_t>(k)] - 400 / 3) < 45, k);
    s.ctx.set_training(false);
    mu = s.run(*mopoe, e.in, "mu");
    BOOST_TEST(at(mu, 1) == 13.0 / 6, boost::test_tools::tolerance(1e-5));
    BOOST_TEST(at(mu, 0) == 0.5, boost::test_tools::tolerance(1e-5));
    s.ctx.set_training(true);
    // Gradients reach the chosen experts (the draws are replayed by the checker).
    for (const char* fusion : {"moe", "mopoe"}) {
        BOOST_TEST_CONTEXT(fusion) {
            auto f_node = s.make(CHM_KIND_ENCODER, fusion, "modalities: [image, text]", fusion);
            Function f = [&](Context&, const std::vector<Tensor>& x) {
                return s.run(*f_node, {{"mu_image", x[0]}, {"logvar_image", x[1]}, {"mu_text", x[2]}, {"logvar_text", x[3]}}, "mu");
            };
            std::vector<Tensor> x;
            for (uint64_t seed = 31; seed < 35; ++seed) x.push_back(random_tensor(s.ctx, {4, 2}, seed));
            BOOST_TEST(check_gradients(s.ctx, f, x, smooth) == "");
        }
    }
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
    // gaussian_nll, batch_sum, variance 0.5: ((x - t)^2 / 0.5 + log(2 pi 0.5)) / 2 summed, over the batch of 2.
    double gaussian = 0;
    for (int i = 0; i < 4; ++i) gaussian += 0.5 * (std::pow(at(x, i) - at(t, i), 2) / 0.5 + std::log(2 * M_PI * 0.5));
    BOOST_TEST(s.loss("gaussian_nll", "variance: 0.5", {{"x", x}, {"target", t}}) == gaussian / 2, boost::test_tools::tolerance(1e-5));
    // kl_normal: -1/2 (1 + logvar - mu^2 - exp(logvar)) summed per example, mean over the batch.
    Tensor mu = tensor_of(s.ctx, {2, 1}, {1.0f, 0.0f}), lv = tensor_of(s.ctx, {2, 1}, {0.0f, std::log(2.0f)});
    double kl = (-0.5 * (1 + 0 - 1 - 1) + -0.5 * (1 + std::log(2.0) - 0 - 2)) / 2;
    BOOST_TEST(s.loss("kl_normal", "", {{"mu", mu}, {"logvar", lv}}) == kl, boost::test_tools::tolerance(1e-5));
}

BOOST_AUTO_TEST_CASE(kl_beta_scales_the_divergence_exactly) {
    Models s;
    NamedTensors in{{"mu", random_tensor(s.ctx, {3, 4}, 20)}, {"logvar", random_tensor(s.ctx, {3, 4}, 21)}};
    const double plain = s.loss("kl_normal", "", in);
    BOOST_TEST(plain > 0);
    // Powers of two multiply a float exactly, so no tolerance.
    BOOST_TEST(s.loss("kl_normal", "beta: 4", in) == 4 * plain);
    BOOST_TEST(s.loss("kl_normal", "beta: 0.25\nreduction: mean", in) == 0.25 * s.loss("kl_normal", "reduction: mean", in));
    BOOST_TEST(s.loss("kl_normal", "beta: 0", in) == 0.0);
}

BOOST_AUTO_TEST_CASE(cross_entropy_matches_a_hand_computation_and_reports_accuracy) {
    Models s;
    const std::vector<float> l{1.0f, 2.0f, 3.0f, 0.5f,    // argmax 2 = target
                               2.0f, -1.0f, 0.0f, 1.0f,   // argmax 0, target 1
                               0.1f, 0.2f, 0.3f, 0.4f};   // argmax 3 = target
    const std::vector<int32_t> target{2, 1, 3};
    NamedTensors in{{"logits", tensor_of(s.ctx, {3, 4}, l)}, {"target", labels_of(s.ctx, target)}};
    // -log softmax(l_i)[t_i] = logsumexp(l_i) - l_i[t_i]; smoothing s mixes in mean_c(lse - l_ic).
    double nll = 0, uniform = 0;
    for (int i = 0; i < 3; ++i) {
        double lse = 0, mean = 0;
        for (int c = 0; c < 4; ++c) lse += std::exp(double(l[i * 4 + c])), mean += l[i * 4 + c] / 4.0;
        lse = std::log(lse);
        nll += lse - l[i * 4 + target[i]];
        uniform += lse - mean;
    }
    const auto tol = boost::test_tools::tolerance(5e-6);  // float32 log-softmax: a few ulps
    BOOST_TEST(s.loss("cross_entropy", "", in) == nll / 3, tol);
    BOOST_TEST(s.loss("cross_entropy", "reduction: sum", in) == nll, tol);
    BOOST_TEST(s.loss("cross_entropy", "label_smoothing: 0.2", in) == (0.8 * nll + 0.2 * uniform) / 3, tol);
    // accuracy: a one-element metric beside the loss, outside the tape even when logits need grads.
    in[0].second.set_requires_grad(true);
    auto ce = s.make(CHM_KIND_LOSS, "cross_entropy", "", "ce");
    NamedTensors out = ce->forward(in);
    BOOST_TEST_REQUIRE(out.size() == 2u);
    BOOST_TEST(out[0].first == "loss");
    BOOST_TEST(out[0].second.requires_grad());
    BOOST_TEST(out[1].first == "accuracy");
    BOOST_TEST(out[1].second.numel() == 1);
    BOOST_TEST(at(out[1].second, 0) == 2.0f / 3.0f);
    BOOST_TEST(!out[1].second.requires_grad());
}

BOOST_AUTO_TEST_CASE(cross_entropy_names_a_target_out_of_range_and_its_index) {
    Models s;
    Tensor logits = random_tensor(s.ctx, {3, 4}, 22);
    auto run = [&](const std::vector<int32_t>& t) {
        return message_of([&] { s.loss("cross_entropy", "", {{"logits", logits}, {"target", labels_of(s.ctx, t)}}); });
    };
    std::string high = run({0, 4, 1}), negative = run({0, 1, -1});
    BOOST_TEST(contains(high, "cross_entropy: target 4 at index 1 is outside [0, 4)"), high);
    BOOST_TEST(contains(negative, "cross_entropy: target -1 at index 2 is outside [0, 4)"), negative);
    std::string floats = message_of([&] { s.loss("cross_entropy", "", {{"logits", logits}, {"target", logits}}); });
    BOOST_TEST(contains(floats, "input 'target' is f32[3, 4] but port target takes i32"), floats);  // its declared port
}

BOOST_AUTO_TEST_CASE(mmd_matches_a_double_precision_loop_for_both_kernels) {
    Models s;
    Tensor x = random_tensor(s.ctx, {5, 3}, 23), y = random_tensor(s.ctx, {6, 3}, 24, -0.5f, 1.5f);
    Tensor x_copy = tensor_of(s.ctx, {5, 3}, values_of(x)), x_image = tensor_of(s.ctx, {5, 1, 3}, values_of(x));
    Tensor far = random_tensor(s.ctx, {6, 3}, 25, 2, 4);
    const auto tol = boost::test_tools::tolerance(2e-5);  // relative; float32 sums of ~30 kernel values
    for (bool gaussian : {false, true}) {
        const std::string kernel = gaussian ? "kernel: gaussian" : "kernel: imq";
        BOOST_TEST_CONTEXT(kernel) {
            BOOST_TEST(s.loss("mmd", kernel, {{"x", x}, {"y", y}}) == mmd_reference(x, y, gaussian, 1.0, {1.0}), tol);
            BOOST_TEST(s.loss("mmd", kernel + "\nsigma2: 0.3\nscales: [0.5, 2, 10]", {{"x", x}, {"y", y}}) ==
                           mmd_reference(x, y, gaussian, 0.3, {0.5, 2, 10}), tol);
            // Examples are flattened: [5, 1, 3] is 5 examples of 3 features.
            BOOST_TEST(s.loss("mmd", kernel, {{"x", x_image}, {"y", y}}) == mmd_reference(x, y, gaussian, 1.0, {1.0}), tol);
            // Identical samples: not 0 but -2 (1 - mean k(x_i, x_j)) / N for this unbiased estimate, as
            // the loop says, and far below the value for samples drawn apart.
            const double same = s.loss("mmd", kernel, {{"x", x}, {"y", x_copy}});
            BOOST_TEST(same == mmd_reference(x, x_copy, gaussian, 1.0, {1.0}), tol);
            const double apart = s.loss("mmd", kernel, {{"x", x}, {"y", far}});
            BOOST_TEST(apart == mmd_reference(x, far, gaussian, 1.0, {1.0}), tol);
            BOOST_TEST(std::fabs(same) < 0.2 * apart);
        }
    }
    std::string features = message_of([&] { s.loss("mmd", "", {{"x", x}, {"y", random_tensor(s.ctx, {6, 4}, 25)}}); });
    BOOST_TEST(contains(features, "mmd: x has 3 features per example and y 4"), features);
    std::string single = message_of([&] { s.loss("mmd", "", {{"x", random_tensor(s.ctx, {1, 3}, 25)}, {"y", y}}); });
    BOOST_TEST(contains(single, "mmd: x [1, 3] must be a batch of at least 2 examples"), single);
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
                                           {"gaussian_nll", "variance: 0.3", "x", "target", -1, 1},
                                           {"kl_normal", "", "mu", "logvar", -1, 1},
                                           {"gan", "mode: hinge", "real", "fake", -0.5f, 0.5f},
                                           {"gan", "", "real", "fake", -2, 2},
                                           {"mmd", "kernel: imq", "x", "y", -1, 1},
                                           {"mmd", "kernel: gaussian\nsigma2: 0.2\nscales: [0.5, 1, 4]", "x", "y", -1, 1}}) {
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

BOOST_AUTO_TEST_CASE(losses_and_their_gradients_match_pytorch) {
    // float32 sums of a few dozen terms against torch's float64 on the same float32 inputs.
    constexpr double abs_tolerance = 1e-6, rel_tolerance = 1e-5;
    Models s;
    std::vector<LossCase> cases = read_loss_cases();
    BOOST_TEST_REQUIRE(cases.size() == 6u);
    for (const LossCase& c : cases) {
        BOOST_TEST_CONTEXT(c.name << " " << c.options) {
            auto l = s.make(CHM_KIND_LOSS, c.loss, c.options, c.name);
            NamedTensors in;
            for (const auto& [name, v] : c.inputs) {
                in.emplace_back(name, tensor_from(s.ctx, v));
                in.back().second.set_requires_grad(!v.i32);
            }
            s.ctx.tape().clear();
            NamedTensors out = l->forward(in);
            BOOST_TEST_REQUIRE(out.size() == c.outputs.size());
            for (std::size_t k = 0; k < out.size(); ++k) {
                BOOST_TEST(out[k].first == c.outputs[k].first);
                BOOST_TEST(compare(out[k].second, c.outputs[k].second, abs_tolerance, rel_tolerance) == "");
            }
            backward(s.ctx, {out[0].second}, {1.0});
            for (const auto& [input, v] : c.grads) {
                auto it = std::find_if(in.begin(), in.end(), [&, &input = input](const auto& p) { return p.first == input; });
                BOOST_TEST_REQUIRE((it != in.end()));
                BOOST_TEST(compare(it->second.grad(), v, abs_tolerance, rel_tolerance) == "", input);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(cross_entropy_gradients_match_finite_differences) {
    Models s;
    for (std::string yaml : {"", "reduction: sum\nlabel_smoothing: 0.3"}) {
        BOOST_TEST_CONTEXT(yaml) {
            auto l = s.make(CHM_KIND_LOSS, "cross_entropy", yaml, "ce");
            Function f = [&](Context&, const std::vector<Tensor>& in) {
                return s.run(*l, {{"logits", in[0]}, {"target", in[1]}}, "loss");
            };
            // The int32 target is not differentiated.
            std::vector<Tensor> in{random_tensor(s.ctx, {3, 4}, 26, -2, 2), labels_of(s.ctx, {2, 0, 3})};
            BOOST_TEST(check_gradients(s.ctx, f, in, smooth) == "");
        }
    }
}

// A mask [N] drops examples: the loss equals the unmasked loss of the kept examples alone,
// scaled by their share of the batch (the divisor stays the whole batch).
BOOST_AUTO_TEST_CASE(masked_losses_leave_out_dropped_examples) {
    Models s;
    Tensor x = random_tensor(s.ctx, {4, 3}, 40, -2, 2), t = random_tensor(s.ctx, {4, 3}, 41, 0.05f, 0.95f);
    Tensor kept_x = tensor_of(s.ctx, {2, 3}, {at(x, 0), at(x, 1), at(x, 2), at(x, 9), at(x, 10), at(x, 11)});
    Tensor kept_t = tensor_of(s.ctx, {2, 3}, {at(t, 0), at(t, 1), at(t, 2), at(t, 9), at(t, 10), at(t, 11)});
    Tensor mask = tensor_of(s.ctx, {4}, {1, 0, 0, 1});
    const auto tol = boost::test_tools::tolerance(1e-5);
    for (std::string loss : {"bce_logits", "mse", "l1"})
        for (std::string reduction : {"batch_sum", "mean", "sum"}) {
            BOOST_TEST_CONTEXT(loss << " " << reduction) {
                const std::string yaml = "reduction: " + reduction;
                const double kept = s.loss(loss, yaml, {{"x", kept_x}, {"target", kept_t}});
                const double share = reduction == "sum" ? 1.0 : 0.5;
                BOOST_TEST(s.loss(loss, yaml, {{"x", x}, {"target", t}, {"mask", mask}}) == kept * share, tol);
            }
        }
    Tensor mu = random_tensor(s.ctx, {4, 3}, 42), lv = random_tensor(s.ctx, {4, 3}, 43);
    Tensor kept_mu = tensor_of(s.ctx, {2, 3}, {at(mu, 0), at(mu, 1), at(mu, 2), at(mu, 9), at(mu, 10), at(mu, 11)});
    Tensor kept_lv = tensor_of(s.ctx, {2, 3}, {at(lv, 0), at(lv, 1), at(lv, 2), at(lv, 9), at(lv, 10), at(lv, 11)});
    BOOST_TEST(s.loss("kl_normal", "", {{"mu", mu}, {"logvar", lv}, {"mask", mask}}) ==
                   0.5 * s.loss("kl_normal", "", {{"mu", kept_mu}, {"logvar", kept_lv}}), tol);
    std::string bad = message_of([&] { s.loss("mse", "", {{"x", x}, {"target", t}, {"mask", tensor_of(s.ctx, {3}, {1, 1, 1})}}); });
    BOOST_TEST(contains(bad, "input 'mask' is f32[3] but port mask is [N] with N = 4 bound by input 'x' f32[4, "), bad);
    // Gradients: none reach the dropped rows, and the kept ones match finite differences.
    auto l = s.make(CHM_KIND_LOSS, "bce_logits", "", "masked");
    Function f = [&](Context&, const std::vector<Tensor>& in) { return s.run(*l, {{"x", in[0]}, {"target", in[1]}, {"mask", mask}}); };
    BOOST_TEST(check_gradients(s.ctx, f, {x, t}, smooth, {true, false}) == "");
}

// Sequences: logits [N, T, C] against target [N, T]; an example's loss sums its positions, and
// accuracy counts positions of the examples the mask keeps.
BOOST_AUTO_TEST_CASE(sequence_cross_entropy_sums_positions_per_example) {
    Models s;
    Tensor logits = random_tensor(s.ctx, {2, 3, 4}, 44, -2, 2);
    Tensor target = s.ctx.empty(DType::i32, {2, 3});
    const std::vector<int32_t> classes{1, 0, 3, 2, 2, 0};
    std::copy(classes.begin(), classes.end(), target.data<int32_t>());
    std::vector<double> per_example(2, 0.0);
    int correct_first = 0;
    for (int i = 0; i < 2; ++i)
        for (int p = 0; p < 3; ++p) {
            const float* row = logits.data<float>() + (i * 3 + p) * 4;
            double lse = 0;
            for (int c = 0; c < 4; ++c) lse += std::exp(double(row[c]));
            per_example[i] += std::log(lse) - row[classes[i * 3 + p]];
            if (i == 0) correct_first += std::max_element(row, row + 4) - row == classes[p];
        }
    const auto tol = boost::test_tools::tolerance(1e-5);
    BOOST_TEST(s.loss("cross_entropy", "", {{"logits", logits}, {"target", target}}) == (per_example[0] + per_example[1]) / 2, tol);
    Tensor mask = tensor_of(s.ctx, {2}, {1, 0});
    auto ce = s.make(CHM_KIND_LOSS, "cross_entropy", "reduction: sum", "seq");
    NamedTensors out = ce->forward({{"logits", logits}, {"target", target}, {"mask", mask}});
    BOOST_TEST(at(out[0].second, 0) == per_example[0], tol);
    BOOST_TEST(at(out[1].second, 0) == correct_first / 3.0, tol);
    std::string bad = message_of([&] { s.loss("cross_entropy", "", {{"logits", logits}, {"target", labels_of(s.ctx, {1, 2})}}); });
    BOOST_TEST(contains(bad, "target must hold one int32 class index per row of logits [2, 3, 4], not int32 [2]"), bad);
    Function f = [&](Context&, const std::vector<Tensor>& in) {
        return s.run(*ce, {{"logits", in[0]}, {"target", in[1]}, {"mask", mask}}, "loss");
    };
    BOOST_TEST(check_gradients(s.ctx, f, {logits, target}, smooth) == "");
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
    std::string none = message_of([&] { s.loss("l2_penalty", "", {}); });
    BOOST_TEST(contains(none, "l2_penalty: no parameters to penalise (inputs: none)"), none);
    std::string only_bias =
        message_of([&] { s.loss("l1_penalty", "", {{"encoder.fc1.bias", tensor_of(s.ctx, {2}, {1.0f, 2.0f})}}); });
    BOOST_TEST(contains(only_bias, "l1_penalty: no parameters to penalise (inputs: encoder.fc1.bias)"), only_bias);
    BOOST_TEST(contains(only_bias, "include_bias"), only_bias);
}
