#include "plugin/param_schema.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace chimera {

namespace {


std::string number_text(double v) {
    std::ostringstream s;
    s << v;
    return s.str();
}

std::optional<std::string> check_range(const ParamInfo& param, double v) {
    if (param.min && v < *param.min)
        return number_text(v) + " is below the minimum " + number_text(*param.min);
    if (param.max && v > *param.max)
        return number_text(v) + " is above the maximum " + number_text(*param.max);
    return std::nullopt;
}

std::optional<std::string> check_choice(const ParamInfo& param, const std::string& v) {
    if (param.choices.empty()) return std::nullopt;
    for (const auto& c : param.choices)
        if (c == v) return std::nullopt;
    std::string allowed;
    for (const auto& c : param.choices) allowed += (allowed.empty() ? "" : ", ") + c;
    return "'" + v + "' is not one of " + allowed;
}

// One scalar of a scalar-typed parameter (or one element of a list-typed one).
std::optional<std::string> check_scalar(const ParamInfo& param, chm_param_type type,
                                        const YAML::Node& value) {
    if (!value.IsScalar()) return "expected " + param_type_name(type) + ", got " + show_value(value);
    switch (type) {
    case CHM_PARAM_BOOL:
        if (!parse_bool(value)) return "expected true or false, got " + show_value(value);
        return std::nullopt;
    case CHM_PARAM_INT: {
        auto v = parse_int(value);
        if (!v) return "expected an integer, got " + show_value(value);
        return check_range(param, static_cast<double>(*v));
    }
    case CHM_PARAM_FLOAT: {
        auto v = parse_float(value);
        if (!v) return "expected a number, got " + show_value(value);
        return check_range(param, *v);
    }
    default:
        return check_choice(param, value.Scalar());
    }
}

}  // namespace

std::string show_value(const YAML::Node& value) {
    if (value.IsScalar()) return "'" + value.Scalar() + "'";
    if (value.IsSequence()) return "a list";
    if (value.IsMap()) return "a map";
    return "nothing";
}

std::optional<bool> parse_bool(const YAML::Node& scalar) {
    if (!scalar.IsScalar()) return std::nullopt;
    const std::string& s = scalar.Scalar();
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
    return std::nullopt;
}

std::optional<int64_t> parse_int(const YAML::Node& scalar) {
    if (!scalar.IsScalar() || scalar.Scalar().empty()) return std::nullopt;
    const std::string& s = scalar.Scalar();
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(s.c_str(), &end, 10);
    if (errno != 0 || *end != '\0') return std::nullopt;
    return static_cast<int64_t>(v);
}

std::optional<double> parse_float(const YAML::Node& scalar) {
    if (!scalar.IsScalar() || scalar.Scalar().empty()) return std::nullopt;
    const std::string& s = scalar.Scalar();
    errno = 0;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (errno != 0 || *end != '\0' || !std::isfinite(v)) return std::nullopt;
    return v;
}

std::optional<std::string> check_param_value(const ParamInfo& param, const YAML::Node& value) {
    switch (param.type) {
    case CHM_PARAM_BOOL:
    case CHM_PARAM_INT:
    case CHM_PARAM_FLOAT:
    case CHM_PARAM_STRING:
        return check_scalar(param, param.type, value);
    case CHM_PARAM_INT_LIST:
    case CHM_PARAM_FLOAT_LIST:
    case CHM_PARAM_STRING_LIST: {
        if (!value.IsSequence()) return "expected " + std::string(param.type == CHM_PARAM_INT_LIST ? "an " : "a ") + param_type_name(param.type) + ", got " +
                                        show_value(value);
        chm_param_type element = param.type == CHM_PARAM_INT_LIST     ? CHM_PARAM_INT
                                 : param.type == CHM_PARAM_FLOAT_LIST ? CHM_PARAM_FLOAT
                                                                      : CHM_PARAM_STRING;
        for (std::size_t i = 0; i < value.size(); ++i)
            if (auto why = check_scalar(param, element, value[i]))
                return "element " + std::to_string(i) + ": " + *why;
        return std::nullopt;
    }
    case CHM_PARAM_NODE:
        return std::nullopt;
    default:
        return "unknown parameter type " + std::to_string(param.type);
    }
}

std::string describe_allowed(const ParamInfo& param) {
    if (!param.choices.empty()) {
        std::string out;
        for (const auto& c : param.choices) out += (out.empty() ? "" : "|") + c;
        return out;
    }
    if (param.min && param.max) return number_text(*param.min) + " .. " + number_text(*param.max);
    if (param.min) return ">= " + number_text(*param.min);
    if (param.max) return "<= " + number_text(*param.max);
    return "";
}

}  // namespace chimera
