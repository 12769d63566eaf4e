// Reads one PNG file (any bit depth or colour type libpng's simplified API takes) as a float32
// image for a model: [channels, height, width], values mapped from 0..255 to [lo, hi]: what
// a person gives a model as an image (cross-modal generation). Not a grid reader and no resizing.
#pragma once

#include "tensor/tensor.hpp"

#include <filesystem>

namespace chimera {

class Device;

// `shape` is [C, H, W] with C 1 (grayscale; colour is converted) or 3 (RGB). Throws DataError
// naming the file when it is missing, not a PNG libpng can read, or not H x W pixels (checked
// before its pixels are read).
Tensor read_png_image(Device& device, const std::filesystem::path& path, const Shape& shape, float lo = 0.0f, float hi = 1.0f);

}  // namespace chimera
