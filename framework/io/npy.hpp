// A tensor as a NumPy .npy file (format 1.0, little-endian float32 or int32, C order), for tools
// that read arrays: numpy.load, and the checks of an exported model by another runtime.
#pragma once

#include "tensor/tensor.hpp"

#include <filesystem>

namespace chimera {

// Writes `t` to `path`, atomically. Throws DataError naming the file.
void write_npy(const std::filesystem::path& path, const Tensor& t);

}  // namespace chimera
