// What a pipeline's schedules are worth at a training step: the multiplier of an optimizer's
// base learning rate and the fraction of a loss's weight during its warm-up. The one place of
// schedule maths; reading schedules from YAML is the pipeline's (pipeline/schedule_spec.hpp).
#pragma once

#include "pipeline/schedule_spec.hpp"

#include <cstdint>

namespace chimera {

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

// The fraction of a loss's weight at training `step` (0-based): start + (1 - start) * s / steps
// with s = step (mod period when period > 0), and 1 once s >= steps or without a warm-up.
double warmup_factor(const LossWarmup& warmup, int64_t step);

}  // namespace chimera
