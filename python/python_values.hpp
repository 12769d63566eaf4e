// Values crossing between Python and the host: NumPy arrays to and from tensor values, the
// resolved pipeline (YAML) as dicts and lists, and Python values as the text of a --set override.
// Every function here needs the GIL. Not the module's classes (chimera_module.cpp).
#pragma once

#include "python_run.hpp"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace chimera::python {

// A float32 C-contiguous copy-or-view of `value`, examples shaped [N, ...one]: an array of any
// floating dtype is converted, anything else is refused with a ShapeError naming the shape `what`
// needs ("images": "f32[N, 1, 28, 28]"). The shape itself is checked by the host.
pybind11::array_t<float, pybind11::array::c_style> examples_array(pybind11::handle value, const Shape& one,
                                                                  const std::string& what);
// `value` (None, a sequence or an integer array) as class labels; None is none.
std::vector<int32_t> labels_of(pybind11::handle value);
// A new float32 array holding `values`.
pybind11::array_t<float> array_of(const Values& values);
// A YAML node as Python: maps as dicts, sequences as lists, plain scalars as None, bool, int or
// float when YAML 1.2's core schema reads them so, and everything else (quoted) as str.
pybind11::object python_of(const YAML::Node& node);
// A Python value as the VALUE of a KEY=VALUE override: str as it is, bool as true/false, None as
// null, numbers as Python prints them, lists and dicts as JSON (which YAML reads).
std::string override_text(pybind11::handle value);

}  // namespace chimera::python
