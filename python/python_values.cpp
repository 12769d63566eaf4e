// Values between Python and the host (python_values.hpp): copies in and out of NumPy, YAML's core
// schema for the resolved pipeline's scalars. Not where errors are mapped (chimera_module.cpp).
#include "python_values.hpp"

#include "tensor/shape_error.hpp"

#include <cmath>
#include <cstring>
#include <limits>
#include <regex>

namespace py = pybind11;

namespace chimera::python {

py::array_t<float, py::array::c_style> examples_array(py::handle value, const Shape& one, const std::string& what) {
    std::string wanted = "f32[N";
    for (int64_t d : one) wanted += ", " + std::to_string(d);
    wanted += "]";
    if (!py::isinstance<py::array>(value))
        throw ShapeError(what + " must be a NumPy array " + wanted + ", not a " + std::string(py::str(value.get_type().attr("__name__"))));
    const auto array = py::reinterpret_borrow<py::array>(value);
    if (array.dtype().kind() != 'f')
        throw ShapeError(what + " must be a NumPy array " + wanted + " (float32), not of dtype " + std::string(py::str(array.dtype())));
    bool fits = array.ndim() == static_cast<py::ssize_t>(one.size()) + 1 && array.shape(0) >= 1;
    for (std::size_t i = 0; fits && i < one.size(); ++i) fits = array.shape(static_cast<py::ssize_t>(i + 1)) == one[i];
    if (!fits) {
        std::string given = "[";
        for (py::ssize_t i = 0; i < array.ndim(); ++i) given += (i ? ", " : "") + std::to_string(array.shape(i));
        throw ShapeError(what + " must be " + wanted + " with N >= 1, not shaped " + given + "]");
    }
    return py::array_t<float, py::array::c_style | py::array::forcecast>::ensure(array);
}

std::vector<int32_t> labels_of(py::handle value) {
    if (value.is_none()) return {};
    // Integers only: a float label (0.7) or a boolean is a mistake, not a class.
    const py::array given = py::module_::import("numpy").attr("asarray")(value);
    if (given.dtype().kind() != 'i' && given.dtype().kind() != 'u')
        throw ShapeError("labels must be integers (one class per example), not of dtype " + std::string(py::str(given.dtype())));
    const auto array = py::array_t<int64_t, py::array::c_style | py::array::forcecast>::ensure(given);
    if (!array || array.ndim() != 1) throw ShapeError("labels must be one integer per example (a list or a 1-D array)");
    std::vector<int32_t> out;
    for (py::ssize_t i = 0; i < array.size(); ++i) {
        const int64_t v = array.data()[i];
        out.push_back(v < 0 || v > std::numeric_limits<int32_t>::max() ? -1 : static_cast<int32_t>(v));  // the host refuses -1
    }
    return out;
}

py::array_t<float> array_of(const Values& values) {
    std::vector<py::ssize_t> shape(values.shape.begin(), values.shape.end());
    py::array_t<float> out(shape);
    std::memcpy(out.mutable_data(), values.data.data(), values.data.size() * sizeof(float));
    return out;
}

namespace {

// A plain scalar as YAML 1.2's core schema types it.
py::object plain_scalar(const std::string& s) {
    static const std::regex null_re("~|null|Null|NULL|");
    static const std::regex true_re("true|True|TRUE"), false_re("false|False|FALSE");
    static const std::regex decimal_re("[-+]?[0-9]+"), prefixed_re("0o[0-7]+|0x[0-9a-fA-F]+");
    static const std::regex float_re("[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?");
    static const std::regex inf_re("([-+]?)\\.(inf|Inf|INF)"), nan_re("\\.(nan|NaN|NAN)");
    std::smatch m;
    if (std::regex_match(s, null_re)) return py::none();
    if (std::regex_match(s, true_re)) return py::bool_(true);
    if (std::regex_match(s, false_re)) return py::bool_(false);
    if (std::regex_match(s, decimal_re))  // Python's int: any size
        return py::reinterpret_steal<py::object>(PyLong_FromString(s.c_str(), nullptr, 10));
    if (std::regex_match(s, prefixed_re))
        return py::reinterpret_steal<py::object>(PyLong_FromString(s.substr(2).c_str(), nullptr, s[1] == 'o' ? 8 : 16));
    if (std::regex_match(s, float_re)) return py::float_(std::strtod(s.c_str(), nullptr));
    if (std::regex_match(s, m, inf_re)) return py::float_(m[1] == "-" ? -HUGE_VAL : HUGE_VAL);
    if (std::regex_match(s, nan_re)) return py::float_(std::nan(""));
    return py::str(s);
}

}  // namespace

py::object python_of(const YAML::Node& node) {
    switch (node.Type()) {
    case YAML::NodeType::Map: {
        py::dict out;
        for (const auto& entry : node) out[python_of(entry.first)] = python_of(entry.second);
        return std::move(out);
    }
    case YAML::NodeType::Sequence: {
        py::list out;
        for (const auto& item : node) out.append(python_of(item));
        return std::move(out);
    }
    case YAML::NodeType::Scalar:
        // yaml-cpp tags a plain scalar "?" and a quoted one "!": quoted is always text.
        return node.Tag() == "!" ? py::object(py::str(node.Scalar())) : plain_scalar(node.Scalar());
    default:
        return py::none();
    }
}

std::string override_text(py::handle value) {
    if (py::isinstance<py::str>(value)) return value.cast<std::string>();
    if (value.is_none()) return "null";
    if (py::isinstance<py::bool_>(value)) return value.cast<bool>() ? "true" : "false";
    if (py::isinstance<py::int_>(value)) return py::str(py::repr(value));
    if (py::isinstance<py::float_>(value)) {  // YAML spells the non-finite ones .inf, -.inf, .nan
        const double v = value.cast<double>();
        return std::isnan(v) ? ".nan" : std::isinf(v) ? (v < 0 ? "-.inf" : ".inf") : std::string(py::str(py::repr(value)));
    }
    if (py::isinstance(value, py::module_::import("numpy").attr("generic"))) return override_text(value.attr("item")());  // numpy.float32(0.1)
    return py::module_::import("json").attr("dumps")(value).cast<std::string>();
}

}  // namespace chimera::python
