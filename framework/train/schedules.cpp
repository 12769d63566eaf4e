#include "train/schedules.hpp"

#include "core/host_error.hpp"
#include "core/suggest.hpp"

#include <algorithm>
#include <cmath>

namespace chimera {

double lr_scale(const LrSchedule& schedule, int64_t step, int64_t total_steps) {
    step = std::max<int64_t>(step, 0);
    if (step < schedule.warmup_steps)
        return static_cast<double>(step + 1) / static_cast<double>(schedule.warmup_steps);
    const int64_t s = step - schedule.warmup_steps;
    const int64_t T = std::max<int64_t>(1, total_steps - schedule.warmup_steps);
    if (schedule.type == "constant") return 1.0;
    if (schedule.type == "exponential") return std::pow(schedule.gamma, static_cast<double>(s));
    if (schedule.type == "step") {
        if (schedule.step_size <= 0) throw HostError("lr_scale: a step schedule with step_size " +
                                                     std::to_string(schedule.step_size) + " (must be > 0)");
        return std::pow(schedule.gamma, static_cast<double>(s / schedule.step_size));
    }
    if (schedule.type == "cosine") {
        const double pi = std::acos(-1.0);
        double progress = static_cast<double>(std::min(s, T)) / static_cast<double>(T);
        return schedule.min_scale + (1.0 - schedule.min_scale) * (1.0 + std::cos(pi * progress)) / 2.0;
    }
    throw HostError("lr_scale: unknown schedule type '" + schedule.type + "'. Valid types: " + join(lr_schedule_types()));
}

double warmup_factor(const LossWarmup& warmup, int64_t step) {
    if (warmup.steps <= 0) return 1.0;
    const int64_t s = warmup.period > 0 ? step % warmup.period : step;
    return s >= warmup.steps ? 1.0 : warmup.start + (1.0 - warmup.start) * static_cast<double>(s) / static_cast<double>(warmup.steps);
}

}  // namespace chimera
