#include "pipeline/schedule_spec.hpp"

#include "core/suggest.hpp"
#include "pipeline/yaml_source.hpp"
#include "pipeline/yaml_values.hpp"
#include "plugin/param_schema.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <vector>

namespace chimera {

namespace {

const std::vector<std::string> schedule_keys{"type", "warmup_steps", "step_size", "gamma", "min_scale"};

std::string number_text(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

// Reads the entries of one schedule map, each located by its own value. Its messages name the
// key ("gamma must be >= 0"), unlike the pipeline's general reads.
class Reader {
public:
    Reader(const YAML::Node& map, const YamlPlace& place) : map_(map), place_(place) {}

    bool has(const std::string& key) const { return has_key(map_, key); }
    [[noreturn]] void fail(const std::string& key, const std::string& what) const { yaml_fail(map_[key], place_.child(key), what); }

    int64_t count(const std::string& key, int64_t fallback) const {
        if (!has(key)) return fallback;
        auto v = parse_int(map_[key]);
        if (!v) fail(key, "expected an integer, got " + show_value(map_[key]));
        if (*v < 0) fail(key, key + " must be >= 0, got " + std::to_string(*v));
        return *v;
    }

    double number(const std::string& key, double fallback, double max) const {
        if (!has(key)) return fallback;
        auto v = parse_float(map_[key]);
        if (!v) fail(key, "expected a number, got " + show_value(map_[key]));
        if (*v < 0 || *v > max)
            fail(key, key + " must be " + (max < HUGE_VAL ? "between 0 and " + number_text(max) : std::string(">= 0")) + ", got " +
                          number_text(*v));
        return *v;
    }

    std::string type(const std::string& fallback) const {
        if (!has("type")) return fallback;
        const YAML::Node& t = map_["type"];
        if (!t.IsScalar()) fail("type", "expected a schedule type, got " + show_value(t));
        const std::string& name = t.Scalar();
        const auto& types = lr_schedule_types();
        if (std::find(types.begin(), types.end(), name) == types.end())
            fail("type", "unknown schedule type '" + name + "'." + did_you_mean(name, types) + " Valid types: " + join(types));
        return name;
    }

private:
    const YAML::Node& map_;
    const YamlPlace& place_;
};

}  // namespace

const std::vector<std::string>& lr_schedule_types() {
    static const std::vector<std::string> types{"constant", "step", "cosine", "exponential"};
    return types;
}

LrSchedule parse_lr_schedule(const YAML::Node& node, const std::string& file, const std::string& path) {
    LrSchedule s;
    if (!node.IsDefined() || node.IsNull()) return s;
    check_keys(node, schedule_keys, file, path);  // also refuses a scalar or a list
    const YamlPlace place{file, path};
    Reader r(node, place);
    s.type = r.type(s.type);
    s.warmup_steps = r.count("warmup_steps", s.warmup_steps);
    s.step_size = r.count("step_size", s.step_size);
    s.gamma = r.number("gamma", s.gamma, HUGE_VAL);
    s.min_scale = r.number("min_scale", s.min_scale, 1.0);
    if (s.type == "step" && s.step_size <= 0) {
        const std::string what = "type: step needs step_size > 0 (the number of steps between decays)";
        if (r.has("step_size")) r.fail("step_size", what);
        yaml_fail(node, place, what);
    }
    return s;
}

LossWarmup parse_loss_warmup(const YAML::Node& loss, const YamlPlace& place) {
    LossWarmup w;
    if (!has_key(loss, "warmup")) return w;
    YAML::Node n = loss["warmup"];
    YamlPlace at = place.child("warmup");
    check_keys(n, {"steps", "start", "period"}, at.file, at.path);
    w.steps = read_int(n, "steps", at, std::nullopt, 1);
    w.start = read_real(n, "start", at, 0.0, 0.0);
    if (w.start > 1) yaml_fail(n["start"], at.child("start"), "the starting fraction of the weight must be at most 1");
    w.period = read_int(n, "period", at, 0, 0);
    if (w.period > 0 && w.period < w.steps)
        yaml_fail(n["period"], at.child("period"), "a period shorter than the warm-up's steps never reaches the full weight");
    return w;
}

}  // namespace chimera
