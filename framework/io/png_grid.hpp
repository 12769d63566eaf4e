// Writes a batch of images as one PNG grid (libpng), the way sample grids are shown: tiles left
// to right, top to bottom, with a 2-pixel border. Grayscale for one channel, RGB for three.
// Pixel values are mapped linearly from [lo, hi] to 0..255 and clamped. Written atomically.
#pragma once

#include "tensor/tensor.hpp"

#include <filesystem>

namespace chimera {

struct GridLayout {
    int columns = 8;
    float lo = 0.0f, hi = 1.0f;  // the value range that maps to black..white
    int border = 2;
};

// `images` is float32 [N, C, H, W] with C 1 or 3 (or [N, H, W], one channel). Throws ShapeError
// for other shapes and DataError when the file cannot be written.
void write_png_grid(const std::filesystem::path& path, const Tensor& images, const GridLayout& layout = {});

}  // namespace chimera
