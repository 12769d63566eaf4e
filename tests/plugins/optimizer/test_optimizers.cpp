// The optimizer plugins against PyTorch: each case of tests/data/optimizer_fixtures.txt (made by
// bench/reference/make_optimizer_fixtures.py) is replayed through the host — three steps from
// the same start with the same gradients — and must land on torch's parameters. Also: state
// saved after step 2 and loaded into a fresh optimizer continues identically, lr_scale scales
// the learning rate, and parameters without a gradient are left alone.
#define BOOST_TEST_MODULE plugins_optimizer
#include <boost/test/unit_test.hpp>

#include "autograd/parameter_store.hpp"
#include "core/host_error.hpp"
#include "plugin/component_config.hpp"
#include "plugin/component_instance.hpp"
#include "plugin/host_services.hpp"
#include "plugin/plugin_registry.hpp"
#include "support/plugin_session.hpp"

#include <cmath>
#include <fstream>
#include <sstream>

using namespace chimera;

namespace {

// float32 updates computed in another order than torch's: a few ulps of the parameters.
constexpr double abs_tolerance = 1e-6, rel_tolerance = 1e-5;

struct Case {
    std::string name, optimizer, options;
    std::vector<float> start;
    std::vector<std::vector<float>> grads, after;
};

std::vector<float> values(std::istringstream& in) {
    int rank;
    in >> rank;
    int64_t n = 1;
    for (int i = 0; i < rank; ++i) {
        int64_t d;
        in >> d;
        n *= d;
    }
    std::vector<float> v(n);
    for (auto& x : v) in >> x;
    return v;
}

std::vector<Case> read_cases() {
    std::ifstream file(CHIMERA_TEST_DATA "/optimizer_fixtures.txt");
    BOOST_TEST_REQUIRE(file.good());
    std::vector<Case> cases;
    std::string line;
    while (std::getline(file, line)) {
        std::istringstream in(line);
        std::string tag;
        in >> tag;
        int step;
        if (tag == "case") {
            cases.emplace_back();
            in >> cases.back().name >> cases.back().optimizer;
        } else if (tag == "options") {
            cases.back().options = line.substr(8);
        } else if (tag == "param") {
            cases.back().start = values(in);
        } else if (tag == "grad") {
            in >> step;
            cases.back().grads.push_back(values(in));
        } else if (tag == "after") {
            in >> step;
            cases.back().after.push_back(values(in));
        }
    }
    return cases;
}

struct Session : chimera::test::PluginSession {
    int made = 0;
    Session() : PluginSession({OPTIM_PLUGIN_FILE}) {}
    Tensor param(const std::vector<float>& start) {
        Tensor p = ctx.parameters().create("w" + std::to_string(made++) + ".weight", {4, 3}, CHM_INIT_ZEROS, 0, 0);
        std::copy(start.begin(), start.end(), p.data<float>());
        return p;
    }
    std::unique_ptr<ComponentInstance> optimizer(const Case& c, const Tensor& p) {
        auto opt = make(CHM_KIND_OPTIMIZER, c.optimizer, c.options, "opt" + std::to_string(made), "", "opt");
        opt->attach({{p.name(), p}});
        return opt;
    }
    void set_grad(Tensor& p, const std::vector<float>& g) {
        Tensor t = ctx.empty(DType::f32, {4, 3});
        std::copy(g.begin(), g.end(), t.data<float>());
        p.impl()->grad = t.shared();
    }
};

std::string compare(const Tensor& p, const std::vector<float>& expected) {
    std::ostringstream out;
    for (std::size_t i = 0; i < expected.size(); ++i) {
        double a = p.data<float>()[i], b = expected[i];
        if (std::fabs(a - b) > abs_tolerance + rel_tolerance * std::fabs(b))
            out << "[" << i << "] " << a << " vs torch " << b << " ";
    }
    return out.str();
}

}  // namespace

BOOST_AUTO_TEST_CASE(three_steps_match_pytorch) {
    auto cases = read_cases();
    BOOST_TEST_REQUIRE(cases.size() == 7u);
    for (const Case& c : cases) {
        BOOST_TEST_CONTEXT(c.name) {
            Session s;
            Tensor p = s.param(c.start);
            auto opt = s.optimizer(c, p);
            for (int step = 0; step < 3; ++step) {
                s.set_grad(p, c.grads[step]);
                opt->step(1.0, step + 1);
                BOOST_TEST(compare(p, c.after[step]) == "", "after step " << step + 1);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(saved_state_continues_identically) {
    for (const Case& c : read_cases()) {
        BOOST_TEST_CONTEXT(c.name) {
            Session s;
            Tensor p = s.param(c.start);
            auto first = s.optimizer(c, p);
            for (int step = 0; step < 2; ++step) {
                s.set_grad(p, c.grads[step]);
                first->step(1.0, step + 1);
            }
            NamedTensors state = first->save_state();
            auto second = s.optimizer(c, p);  // fresh state, then the saved one
            second->load_state(state);
            s.set_grad(p, c.grads[2]);
            second->step(1.0, 3);
            BOOST_TEST(compare(p, c.after[2]) == "");
        }
    }
}

BOOST_AUTO_TEST_CASE(lr_scale_multiplies_the_learning_rate) {
    Case c = read_cases()[0];  // plain sgd, lr 0.1
    c.options = "{lr: 0.4}";
    Session s;
    Tensor p = s.param(c.start);
    auto opt = s.optimizer(c, p);
    s.set_grad(p, c.grads[0]);
    opt->step(0.25, 1);
    BOOST_TEST(compare(p, c.after[0]) == "");
}

BOOST_AUTO_TEST_CASE(parameters_without_a_gradient_are_left_alone_and_bad_state_is_named) {
    Case c = read_cases()[3];  // adam
    Session s;
    Tensor p = s.param(c.start);
    auto opt = s.optimizer(c, p);
    opt->step(1.0, 1);  // no gradient set
    BOOST_TEST(compare(p, c.start) == "");
    try {
        opt->load_state({});
        BOOST_FAIL("loading empty state should fail");
    } catch (const PluginError& e) {
        BOOST_TEST(std::string(e.what()).find("optimizer state 'w0.weight.exp_avg' is missing") != std::string::npos, e.what());
        // The ABI's status for a missing state tensor, which the host reports as bad checkpoint data.
        BOOST_TEST(e.status().value_or(CHM_OK) == CHM_ERR_INVALID_ARGUMENT);
    }
}

BOOST_AUTO_TEST_CASE(nesterov_without_momentum_is_refused_where_it_is_written) {
    Session s;
    const ComponentInfo& info = s.registry.require(CHM_KIND_OPTIMIZER, "sgd");
    auto config = make_component_config(info, YAML::Load("nesterov: true"), "pipe.yaml", "optimizers.g");
    BOOST_CHECK_EXCEPTION(ComponentInstance(info, *config, "g"), PluginError, [](const PluginError& e) {
        return std::string(e.what()).find("pipe.yaml:1:11 (optimizers.g.nesterov): Nesterov momentum needs momentum > 0") !=
               std::string::npos;
    });
}
