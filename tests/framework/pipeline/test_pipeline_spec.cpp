// The pipeline spec's own semantics, without plugins: loss weight warm-ups (linear and
// cyclical) and their located errors, and evaluate_only losses. What a warm-up is worth at a
// step is tests/framework/train/test_schedules.cpp's.
#include <boost/test/unit_test.hpp>

#include "core/host_error.hpp"
#include "pipeline/pipeline_spec.hpp"

using namespace chimera;

namespace {

const char* base = R"(version: 1
data: {loader: idx}
nodes:
  encoder: {component: encoder/mlp, in: {x: image}, out: {y: code}}
losses:
  kl: {component: mse, in: {x: code, target: code}, weight: 4.0, WARMUP}
optimizers:
  adam: {component: adam, nodes: [encoder]}
)";

PipelineSpec parse_with(const std::string& warmup) {
    std::string text = base;
    text.replace(text.find("WARMUP"), 6, warmup);
    return parse_pipeline(YAML::Load(text), "p.yaml");
}

std::string error_of(const std::string& warmup) {
    try {
        parse_with(warmup);
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(pipeline_spec)

BOOST_AUTO_TEST_CASE(a_warmup_reads_its_steps_start_and_period) {
    LossWarmup w = parse_with("warmup: {steps: 100, start: 0.2}").losses[0].warmup;
    BOOST_TEST(w.steps == 100);
    BOOST_TEST(w.start == 0.2);
    BOOST_TEST(w.period == 0);
    LossWarmup c = parse_with("warmup: {steps: 10, period: 40}").losses[0].warmup;
    BOOST_TEST(c.steps == 10);
    BOOST_TEST(c.start == 0.0);
    BOOST_TEST(c.period == 40);
    BOOST_TEST(parse_with("weight: 2.0").losses[0].warmup.steps == 0);  // none: the full weight from the start
}

BOOST_AUTO_TEST_CASE(warmup_errors_are_located) {
    BOOST_TEST(error_of("warmup: {steps: 0}") == "p.yaml:6:82 (losses.kl.warmup.steps): must be at least 1, got 0");
    BOOST_TEST(error_of("warmup: {step: 10}").find("unknown key 'step'. Did you mean 'steps'?") != std::string::npos);
    BOOST_TEST(error_of("warmup: {steps: 10, start: 2}") ==
               "p.yaml:6:93 (losses.kl.warmup.start): the starting fraction of the weight must be at most 1");
    BOOST_TEST(error_of("warmup: {steps: 10, period: 5}").find("a period shorter than the warm-up's steps") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(evaluate_only_losses_stay_out_of_the_default_phase) {
    PipelineSpec spec = parse_with("evaluate_only: true}\n  rec: {component: mse, in: {x: code, target: code}");
    BOOST_TEST(spec.losses.size() == 2u);
    BOOST_TEST(spec.losses[0].evaluate_only);
    BOOST_TEST(spec.phases.size() == 1u);
    BOOST_TEST(spec.phases[0].losses == std::vector<std::string>{"rec"});
    BOOST_TEST(error_of("evaluate_only: true").find("every loss is evaluate_only: nothing to train on") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
