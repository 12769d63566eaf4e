// Parsing and evaluating the learning-rate schedule (see lr_schedule.hpp). Messages follow the
// pipeline's style: "<file>:<line>:<col> (<path>): <what>". Not the optimizer's update.
#include "train/lr_schedule.hpp"

#include "core/host_error.hpp"
#include "core/suggest.hpp"
#include "pipeline/yaml_source.hpp"
#include "plugin/param_schema.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

namespace chimera {

namespace {

const std::vector<std::string> schedule_types{"constant", "step", "cosine", "exponential"};
const std::vector<std::string> schedule_keys{"type", "warmup_steps", "step_size", "gamma", "min_scale"};


std::string number_text(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

// Reads the entries of one schedule map, each located by its own value.
class Reader {
public:
    Reader(const YAML::Node& map, const std::string& file, const std::string& path)
        : map_(map), file_(file), path_(path) {}

    bool has(const std::string& key) const { return map_[key].IsDefined() && !map_[key].IsNull(); }
    std::string where(const std::string& key) const {
        return yaml_where(map_[key], file_, path_.empty() ? key : path_ + "." + key);
    }

    int64_t count(const std::string& key, int64_t fallback) const {
        if (!has(key)) return fallback;
        auto v = parse_int(map_[key]);
        if (!v) throw ConfigError(where(key) + ": expected an integer, got " + show_value(map_[key]));
        if (*v < 0) throw ConfigError(where(key) + ": " + key + " must be >= 0, got " + std::to_string(*v));
        return *v;
    }

    double number(const std::string& key, double fallback, double max) const {
        if (!has(key)) return fallback;
        auto v = parse_float(map_[key]);
        if (!v) throw ConfigError(where(key) + ": expected a number, got " + show_value(map_[key]));
        if (*v < 0 || *v > max)
            throw ConfigError(where(key) + ": " + key + " must be " +
                              (max < HUGE_VAL ? "between 0 and " + number_text(max) : std::string(">= 0")) +
                              ", got " + number_text(*v));
        return *v;
    }

    std::string type(const std::string& fallback) const {
        if (!has("type")) return fallback;
        const YAML::Node& t = map_["type"];
        if (!t.IsScalar()) throw ConfigError(where("type") + ": expected a schedule type, got " + show_value(t));
        const std::string& name = t.Scalar();
        if (std::find(schedule_types.begin(), schedule_types.end(), name) == schedule_types.end())
            throw ConfigError(where("type") + ": unknown schedule type '" + name + "'." +
                              did_you_mean(name, schedule_types) + " Valid types: " + join(schedule_types));
        return name;
    }

private:
    const YAML::Node& map_;
    const std::string& file_;
    const std::string& path_;
};

}  // namespace

LrSchedule parse_lr_schedule(const YAML::Node& node, const std::string& file, const std::string& path) {
    LrSchedule s;
    if (!node.IsDefined() || node.IsNull()) return s;
    check_keys(node, schedule_keys, file, path);  // also refuses a scalar or a list
    Reader r(node, file, path);
    s.type = r.type(s.type);
    s.warmup_steps = r.count("warmup_steps", s.warmup_steps);
    s.step_size = r.count("step_size", s.step_size);
    s.gamma = r.number("gamma", s.gamma, HUGE_VAL);
    s.min_scale = r.number("min_scale", s.min_scale, 1.0);
    if (s.type == "step" && s.step_size <= 0)
        throw ConfigError((r.has("step_size") ? r.where("step_size") : yaml_where(node, file, path)) +
                          ": type: step needs step_size > 0 (the number of steps between decays)");
    return s;
}

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
    throw HostError("lr_scale: unknown schedule type '" + schedule.type + "'. Valid types: " + join(schedule_types));
}

}  // namespace chimera
