// The learning-rate schedule's maths: hand-computed multipliers for every type with warm-up, and
// a schedule built in code that the parser would refuse is a bug, not a configuration error.
// Not the trainer's use of it (the end-to-end runs cover that).
#include <boost/test/unit_test.hpp>

#include "core/host_error.hpp"
#include "train/schedules.hpp"

#include <cmath>

using namespace chimera;

namespace {

// Multipliers are a handful of double operations: agreement to a few ulps is expected.
constexpr double scale_tolerance = 1e-12;

// The schedule under train.lr_schedule of a pipeline file "p.yaml" with this body (4-space
// indented lines, so keys sit at column 5).
LrSchedule parse_body(const std::string& body) {
    const YAML::Node root = YAML::Load("train:\n  lr_schedule:\n" + body);
    return parse_lr_schedule(root["train"]["lr_schedule"], "p.yaml", "train.lr_schedule");
}

bool near(double a, double b) { return std::fabs(a - b) <= scale_tolerance; }

}  // namespace

BOOST_AUTO_TEST_SUITE(lr_schedule)

BOOST_AUTO_TEST_CASE(warm_up_is_linear_then_constant) {
    LrSchedule s;
    s.warmup_steps = 4;
    BOOST_TEST(near(lr_scale(s, 0, 10), 0.25));
    BOOST_TEST(near(lr_scale(s, 2, 10), 0.75));
    BOOST_TEST(near(lr_scale(s, 3, 10), 1.0));
    BOOST_TEST(near(lr_scale(s, 4, 10), 1.0));
    BOOST_TEST(near(lr_scale(s, 50, 10), 1.0));
    BOOST_TEST(near(lr_scale(s, -1, 10), 0.25));  // a negative step counts as step 0
    BOOST_TEST(near(lr_scale(LrSchedule{}, 0, 10), 1.0));
}

BOOST_AUTO_TEST_CASE(step_decays_by_gamma_every_step_size_steps_after_warm_up) {
    LrSchedule s = parse_body("    type: step\n    warmup_steps: 2\n    step_size: 3\n    gamma: 0.5\n");
    BOOST_TEST(near(lr_scale(s, 0, 100), 0.5));   // warm-up only: 1/2
    BOOST_TEST(near(lr_scale(s, 1, 100), 1.0));   // 2/2
    BOOST_TEST(near(lr_scale(s, 2, 100), 1.0));   // s = 0
    BOOST_TEST(near(lr_scale(s, 4, 100), 1.0));   // s = 2, still the first interval
    BOOST_TEST(near(lr_scale(s, 5, 100), 0.5));   // s = 3
    BOOST_TEST(near(lr_scale(s, 8, 100), 0.25));  // s = 6
    BOOST_TEST(near(lr_scale(s, 11, 100), 0.125));
}

BOOST_AUTO_TEST_CASE(exponential_multiplies_by_gamma_every_step_after_warm_up) {
    LrSchedule s = parse_body("    type: exponential\n    warmup_steps: 1\n    gamma: 0.9\n");
    BOOST_TEST(near(lr_scale(s, 0, 100), 1.0));   // warm-up of one step: 1/1
    BOOST_TEST(near(lr_scale(s, 1, 100), 1.0));   // s = 0
    BOOST_TEST(near(lr_scale(s, 3, 100), 0.81));  // s = 2
    BOOST_TEST(near(lr_scale(s, 11, 100), 0.3486784401));  // 0.9^10
}

BOOST_AUTO_TEST_CASE(cosine_falls_from_one_to_min_scale_over_the_steps_after_warm_up) {
    // warm-up 2 of 10 steps: T = 8; 0.1 + 0.9 * (1 + cos(pi * s / 8)) / 2.
    LrSchedule s = parse_body("    type: cosine\n    warmup_steps: 2\n    min_scale: 0.1\n");
    BOOST_TEST(near(lr_scale(s, 0, 10), 0.5));
    BOOST_TEST(near(lr_scale(s, 2, 10), 1.0));                  // s = 0
    BOOST_TEST(near(lr_scale(s, 4, 10), 0.8681980515339464));   // s = 2: 0.1 + 0.45 * (1 + sqrt(2)/2)
    BOOST_TEST(near(lr_scale(s, 6, 10), 0.55));                 // s = 4: half way
    BOOST_TEST(near(lr_scale(s, 9, 10), 0.13425421036992097));  // s = 7: 0.1 + 0.45 * (1 + cos(7 pi / 8))
    BOOST_TEST(near(lr_scale(s, 10, 10), 0.1));                 // s = T
    BOOST_TEST(near(lr_scale(s, 25, 10), 0.1));                 // past the end it stays at min_scale
    // No steps after warm-up: T = 1, so the first step after it is already at min_scale.
    BOOST_TEST(near(lr_scale(s, 2, 2), 1.0));
    BOOST_TEST(near(lr_scale(s, 3, 2), 0.1));
}

BOOST_AUTO_TEST_CASE(a_schedule_the_parser_would_refuse_is_a_bug) {
    // Built in code, bypassing the parser: a bug, not a configuration error.
    LrSchedule s;
    s.type = "step";
    BOOST_CHECK_THROW(lr_scale(s, 0, 10), HostError);
    s.type = "linear";
    BOOST_CHECK_THROW(lr_scale(s, 0, 10), HostError);
}

BOOST_AUTO_TEST_CASE(a_linear_warmup_ramps_the_weight_from_its_start_to_full) {
    const auto exact = boost::test_tools::tolerance(1e-12);
    LossWarmup w;
    w.steps = 100;
    w.start = 0.2;
    BOOST_TEST(warmup_factor(w, 0) == 0.2, exact);
    BOOST_TEST(warmup_factor(w, 50) == 0.6, exact);
    BOOST_TEST(warmup_factor(w, 100) == 1.0, exact);
    BOOST_TEST(warmup_factor(w, 5000) == 1.0, exact);
    BOOST_TEST(warmup_factor(LossWarmup{}, 0) == 1.0, exact);  // no warm-up: full weight from the start
}

BOOST_AUTO_TEST_CASE(a_cyclical_warmup_restarts_every_period) {
    const auto exact = boost::test_tools::tolerance(1e-12);
    LossWarmup w;
    w.steps = 10;
    w.period = 40;
    BOOST_TEST(warmup_factor(w, 5) == 0.5, exact);
    BOOST_TEST(warmup_factor(w, 39) == 1.0, exact);
    BOOST_TEST(warmup_factor(w, 40) == 0.0, exact);
    BOOST_TEST(warmup_factor(w, 45) == 0.5, exact);
}

BOOST_AUTO_TEST_SUITE_END()
