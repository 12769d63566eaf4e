// Reads one PNG file (any bit depth or colour type libpng's simplified API takes) as a float32
// image for a model: [channels, height, width], values mapped from 0..255 to [lo, hi]. What
// `chimera generate --from image=FILE.png` reads. Not a grid reader and no resizing.
#pragma once

#include "tensor/tensor.hpp"

#include <filesystem>

namespace chimera {

class Context;

// `shape` is [C, H, W] with C 1 (grayscale; colour is converted) or 3 (RGB). Throws DataError
// naming the file when it is missing, not a PNG libpng can read, or not H x W pixels (checked
// before its pixels are read).
Tensor read_png_image(Context& ctx, const std::filesystem::path& path, const Shape& shape, float lo = 0.0f, float hi = 1.0f);

}  // namespace chimera
