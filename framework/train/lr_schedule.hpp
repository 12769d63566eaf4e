// The learning-rate schedule: a multiplier of the optimizer's base rate per step, read from a
// pipeline's YAML (linear warm-up, then constant, step, exponential or cosine decay).
// Not the optimizer nor the rate itself: the trainer multiplies the base rate by lr_scale().
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>

namespace chimera {

struct LrSchedule {
    std::string type = "constant";  // constant | step | cosine | exponential
    int64_t warmup_steps = 0;       // linear warm-up over this many steps, then the decay starts
    int64_t step_size = 0;          // step: multiply by gamma every step_size steps (> 0)
    double gamma = 0.1;             // step, exponential: the decay factor
    double min_scale = 0.0;         // cosine: the multiplier reached at the last step, in [0, 1]
};

// Reads a node such as {type: cosine, warmup_steps: 500, min_scale: 0.01} or
// {type: step, step_size: 1000, gamma: 0.5}; an absent or null node is the constant schedule.
// `file` and `path` ("train.lr_schedule") locate messages. Throws ConfigError
// "<file>:<line>:<col> (<path>): <what>" for an unknown key (with the nearest one), an unknown
// type (listing the valid ones), a value of the wrong type (warmup_steps: 1.5), a negative
// value, min_scale above 1, and type: step without step_size > 0.
LrSchedule parse_lr_schedule(const YAML::Node& node, const std::string& file, const std::string& path);

// The multiplier of the base rate for `step` (0-based: the step about to be taken) of
// `total_steps`. During warm-up (step < warmup_steps) only the warm-up factor applies:
// (step + 1) / warmup_steps. After it, with s = step - warmup_steps and
// T = max(1, total_steps - warmup_steps):
//   constant     1
//   step         gamma ^ floor(s / step_size)
//   exponential  gamma ^ s
//   cosine       min_scale + (1 - min_scale) * (1 + cos(pi * min(s, T) / T)) / 2
// A negative step counts as 0. Throws HostError for a schedule parse_lr_schedule would refuse
// (an unknown type, step without step_size): that is a bug in the caller, not user input.
double lr_scale(const LrSchedule& schedule, int64_t step, int64_t total_steps);

}  // namespace chimera
