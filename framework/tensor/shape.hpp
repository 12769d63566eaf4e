// Tensor shapes: sizes per dimension, row-major. Helpers for element counts, text for error
// messages, and NumPy-style broadcasting. Not strides: every tensor is dense and contiguous.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace chimera {

using Shape = std::vector<int64_t>;

int64_t numel(const Shape& shape);
// "[2, 3, 28, 28]"
std::string shape_text(const Shape& shape);
// The broadcast of two shapes (NumPy rules), or throws ShapeError naming `op`.
Shape broadcast_shapes(const std::string& op, const Shape& a, const Shape& b);
// Row-major strides in elements.
std::vector<int64_t> contiguous_strides(const Shape& shape);

}  // namespace chimera
