#include "pipeline/yaml_values.hpp"

#include "core/host_error.hpp"
#include "plugin/param_schema.hpp"

#include <cmath>

namespace chimera {

bool has_key(const YAML::Node& map, const std::string& key) {
    return map.IsMap() && map[key].IsDefined() && !map[key].IsNull();
}

namespace {

// The scalar at map[key], or an undefined node when absent. Errors for a key that is there but
// holds a list or a map.
YAML::Node scalar_at(const YAML::Node& map, const std::string& key, const YamlPlace& place, const char* expected) {
    if (!has_key(map, key)) return YAML::Node(YAML::NodeType::Undefined);
    YAML::Node v = map[key];
    if (!v.IsScalar()) yaml_fail(v, place.child(key), std::string("expected ") + expected);
    return v;
}

template <class T>
T absent(const YAML::Node& map, const std::string& key, const YamlPlace& place, const std::optional<T>& fallback) {
    if (!fallback) yaml_fail(map, place, "missing required key '" + key + "'");
    return *fallback;
}

}  // namespace

std::string read_string(const YAML::Node& map, const std::string& key, const YamlPlace& place,
                        std::optional<std::string> fallback) {
    YAML::Node v = scalar_at(map, key, place, "a string");
    if (!v.IsDefined()) return absent(map, key, place, fallback);
    return v.Scalar();
}

int64_t read_int(const YAML::Node& map, const std::string& key, const YamlPlace& place,
                 std::optional<int64_t> fallback, int64_t min) {
    YAML::Node v = scalar_at(map, key, place, "an integer");
    if (!v.IsDefined()) return absent(map, key, place, fallback);
    // The same typing as plugin options: 1.5 and 1e3 are not integers.
    std::optional<int64_t> parsed = parse_int(v);
    if (!parsed) yaml_fail(v, place.child(key), "expected an integer, got '" + v.Scalar() + "'");
    int64_t value = *parsed;
    if (value < min) yaml_fail(v, place.child(key), "must be at least " + std::to_string(min) + ", got " + v.Scalar());
    return value;
}

double read_real(const YAML::Node& map, const std::string& key, const YamlPlace& place,
                 std::optional<double> fallback, double min) {
    YAML::Node v = scalar_at(map, key, place, "a number");
    if (!v.IsDefined()) return absent(map, key, place, fallback);
    std::optional<double> parsed = parse_float(v);
    if (!parsed || !std::isfinite(*parsed)) yaml_fail(v, place.child(key), "expected a finite number, got '" + v.Scalar() + "'");
    double value = *parsed;
    if (value < min) yaml_fail(v, place.child(key), "must be at least " + std::to_string(min) + ", got " + v.Scalar());
    return value;
}

bool read_bool(const YAML::Node& map, const std::string& key, const YamlPlace& place, std::optional<bool> fallback) {
    YAML::Node v = scalar_at(map, key, place, "true or false");
    if (!v.IsDefined()) return absent(map, key, place, fallback);
    std::optional<bool> value = parse_bool(v);
    if (!value) yaml_fail(v, place.child(key), "expected true or false, got '" + v.Scalar() + "'");
    return *value;
}

std::vector<std::string> read_names(const YAML::Node& map, const std::string& key, const YamlPlace& place) {
    if (!has_key(map, key)) return {};
    YAML::Node v = map[key];
    if (v.IsScalar()) return {v.Scalar()};
    if (!v.IsSequence()) yaml_fail(v, place.child(key), "expected a name or a list of names");
    std::vector<std::string> names;
    for (std::size_t k = 0; k < v.size(); ++k) {
        if (!v[k].IsScalar()) yaml_fail(v[k], place.child(key).item(k), "expected a name");
        names.push_back(v[k].Scalar());
    }
    return names;
}

std::vector<int64_t> read_int_list(const YAML::Node& map, const std::string& key, const YamlPlace& place,
                                   int64_t min) {
    if (!has_key(map, key)) return {};
    YAML::Node v = map[key];
    if (!v.IsSequence()) yaml_fail(v, place.child(key), "expected a list of integers, e.g. [1, 28, 28]");
    std::vector<int64_t> values;
    for (std::size_t k = 0; k < v.size(); ++k) {
        std::optional<int64_t> parsed = parse_int(v[k]);
        if (!parsed) yaml_fail(v[k], place.child(key).item(k), "expected an integer");
        int64_t value = *parsed;
        if (value < min)
            yaml_fail(v[k], place.child(key).item(k), "must be at least " + std::to_string(min) + ", got " + v[k].Scalar());
        values.push_back(value);
    }
    return values;
}

void check_identifier(const std::string& name, const YAML::Node& node, const YamlPlace& place, const char* what) {
    bool ok = !name.empty() && (std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_');
    for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
    if (!ok)
        yaml_fail(node, place,
                  std::string(what) + " '" + name + "' must be an identifier (letters, digits and _, not starting with a digit)");
}

}  // namespace chimera
