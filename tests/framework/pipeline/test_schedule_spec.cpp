// The learning-rate schedule as a pipeline writes it: each YAML mistake reported with
// file:line:col, the YAML path and the key at fault. What it is worth at a step is
// tests/framework/train/test_schedules.cpp's.
#include <boost/test/unit_test.hpp>

#include "core/host_error.hpp"
#include "pipeline/schedule_spec.hpp"

using namespace chimera;

namespace {

template <class F>
std::string message_of(F f) {
    try {
        f();
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "no error";
}

// The schedule under train.lr_schedule of a pipeline file "p.yaml" with this body (4-space
// indented lines, so keys sit at column 5).
LrSchedule parse_body(const std::string& body) {
    const YAML::Node root = YAML::Load("train:\n  lr_schedule:\n" + body);
    return parse_lr_schedule(root["train"]["lr_schedule"], "p.yaml", "train.lr_schedule");
}

std::string error_of(const std::string& body) {
    return message_of([&] { parse_body(body); });
}

}  // namespace

BOOST_AUTO_TEST_SUITE(lr_schedule_spec)

BOOST_AUTO_TEST_CASE(the_documented_examples_parse_and_null_is_constant) {
    LrSchedule c = parse_lr_schedule(YAML::Load("{type: cosine, warmup_steps: 500, min_scale: 0.01}"), "p.yaml", "s");
    BOOST_TEST(c.type == "cosine");
    BOOST_TEST(c.warmup_steps == 500);
    BOOST_TEST(c.min_scale == 0.01);
    LrSchedule s = parse_lr_schedule(YAML::Load("{type: step, step_size: 1000, gamma: 0.5}"), "p.yaml", "s");
    BOOST_TEST(s.type == "step");
    BOOST_TEST(s.step_size == 1000);
    BOOST_TEST(s.gamma == 0.5);
    BOOST_TEST(s.warmup_steps == 0);
    BOOST_TEST(parse_lr_schedule(YAML::Node(), "p.yaml", "s").type == "constant");
    BOOST_TEST(parse_lr_schedule(YAML::Load("train: {}")["lr_schedule"], "p.yaml", "s").type == "constant");
    BOOST_TEST(parse_body("    ~\n").type == "constant");
    BOOST_TEST(parse_body("    warmup_steps: 3\n").warmup_steps == 3);
}

BOOST_AUTO_TEST_CASE(unknown_keys_and_types_are_located_and_suggest_the_nearest) {
    BOOST_TEST(error_of("    type: cosine\n    warmup_step: 5\n") ==
               "p.yaml:4:5 (train.lr_schedule.warmup_step): unknown key 'warmup_step'. Did you mean "
               "'warmup_steps'? Accepted keys: type, warmup_steps, step_size, gamma, min_scale");
    BOOST_TEST(error_of("    type: cosin\n") ==
               "p.yaml:3:11 (train.lr_schedule.type): unknown schedule type 'cosin'. Did you mean 'cosine'? "
               "Valid types: constant, step, cosine, exponential");
    BOOST_TEST(error_of("    type: linear\n") ==
               "p.yaml:3:11 (train.lr_schedule.type): unknown schedule type 'linear'. "
               "Valid types: constant, step, cosine, exponential");
    BOOST_TEST(error_of("    type: [cosine]\n") ==
               "p.yaml:3:11 (train.lr_schedule.type): expected a schedule type, got a list");
    const YAML::Node scalar = YAML::Load("train:\n  lr_schedule: cosine\n");
    BOOST_TEST(message_of([&] { parse_lr_schedule(scalar["train"]["lr_schedule"], "p.yaml", "train.lr_schedule"); }) ==
               "p.yaml:2:16 (train.lr_schedule): expected a map of key: value");
}

BOOST_AUTO_TEST_CASE(values_of_the_wrong_type_are_refused) {
    BOOST_TEST(error_of("    warmup_steps: 1.5\n") ==
               "p.yaml:3:19 (train.lr_schedule.warmup_steps): expected an integer, got '1.5'");
    BOOST_TEST(error_of("    type: step\n    step_size: 1e3\n") ==
               "p.yaml:4:16 (train.lr_schedule.step_size): expected an integer, got '1e3'");
    BOOST_TEST(error_of("    gamma: fast\n") == "p.yaml:3:12 (train.lr_schedule.gamma): expected a number, got 'fast'");
    BOOST_TEST(error_of("    min_scale: {a: 1}\n") ==
               "p.yaml:3:16 (train.lr_schedule.min_scale): expected a number, got a map");
}

BOOST_AUTO_TEST_CASE(negative_and_out_of_range_values_are_refused) {
    BOOST_TEST(error_of("    warmup_steps: -3\n") ==
               "p.yaml:3:19 (train.lr_schedule.warmup_steps): warmup_steps must be >= 0, got -3");
    BOOST_TEST(error_of("    type: step\n    step_size: -2\n") ==
               "p.yaml:4:16 (train.lr_schedule.step_size): step_size must be >= 0, got -2");
    BOOST_TEST(error_of("    gamma: -0.5\n") == "p.yaml:3:12 (train.lr_schedule.gamma): gamma must be >= 0, got -0.5");
    BOOST_TEST(error_of("    type: cosine\n    min_scale: 1.5\n") ==
               "p.yaml:4:16 (train.lr_schedule.min_scale): min_scale must be between 0 and 1, got 1.5");
}

BOOST_AUTO_TEST_CASE(a_step_schedule_needs_a_positive_step_size) {
    // Absent: the schedule's own map is named; zero: the value is.
    BOOST_TEST(error_of("    type: step\n    gamma: 0.5\n") ==
               "p.yaml:3:5 (train.lr_schedule): type: step needs step_size > 0 (the number of steps between decays)");
    BOOST_TEST(error_of("    type: step\n    step_size: 0\n") ==
               "p.yaml:4:16 (train.lr_schedule.step_size): type: step needs step_size > 0 (the number of steps "
               "between decays)");
}

BOOST_AUTO_TEST_SUITE_END()
