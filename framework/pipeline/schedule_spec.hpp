// The schedules a pipeline file writes, as plain structs read from their YAML: an optimizer's
// learning-rate schedule and a loss's warm-up. Not what they are worth at a step: that is the
// trainer's (train/schedules.hpp).
#pragma once

#include "io/yaml_file.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace chimera {

// A multiplier of the optimizer's base rate per step: a linear warm-up, then constant, step,
// exponential or cosine decay.
struct LrSchedule {
    std::string type = "constant";  // constant | step | cosine | exponential
    int64_t warmup_steps = 0;       // linear warm-up over this many steps, then the decay starts
    int64_t step_size = 0;          // step: multiply by gamma every step_size steps (> 0)
    double gamma = 0.1;             // step, exponential: the decay factor
    double min_scale = 0.0;         // cosine: the multiplier reached at the last step, in [0, 1]
};

// The schedule types, in the order messages list them.
const std::vector<std::string>& lr_schedule_types();

// Reads a node such as {type: cosine, warmup_steps: 500, min_scale: 0.01} or
// {type: step, step_size: 1000, gamma: 0.5}; an absent or null node is the constant schedule.
// `file` and `path` ("optimizers.adam.schedule") locate messages. Throws ConfigError
// "<file>:<line>:<col> (<path>): <what>" for an unknown key (with the nearest one), an unknown
// type (listing the valid ones), a value of the wrong type (warmup_steps: 1.5), a negative
// value, min_scale above 1, and type: step without step_size > 0.
LrSchedule parse_lr_schedule(const YAML::Node& node, const std::string& file, const std::string& path);

// A loss weight that ramps up linearly from `start` times its value to its full value over
// `steps` training steps (KL annealing), restarting every `period` steps when period > 0
// (cyclical annealing). Validation and test use the full weight.
struct LossWarmup {
    int64_t steps = 0;  // 0: no warm-up
    double start = 0.0;
    int64_t period = 0;
};

// Reads a loss's `warmup` key ({steps, start, period}); absent gives no warm-up.
LossWarmup parse_loss_warmup(const YAML::Node& loss, const YamlPlace& place);

}  // namespace chimera
