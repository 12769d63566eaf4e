#include "io/png_grid.hpp"

#include "core/host_error.hpp"
#include "io/atomic_file.hpp"
#include "tensor/shape_error.hpp"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace chimera {

namespace {

struct Geometry {
    int64_t n, c, h, w, columns, rows, width, height;
};

Geometry geometry(const Tensor& images, const GridLayout& layout) {
    if (images.dtype() != DType::f32 || (images.rank() != 3 && images.rank() != 4))
        throw ShapeError("png grid: images must be f32[N, C, H, W] or f32[N, H, W], got " + describe(images));
    Geometry g{};
    g.n = images.dim(0);
    g.c = images.rank() == 4 ? images.dim(1) : 1;
    g.h = images.dim(-2);
    g.w = images.dim(-1);
    if (g.c != 1 && g.c != 3)
        throw ShapeError("png grid: images need 1 or 3 channels, got " + describe(images));
    if (g.n == 0 || layout.columns < 1 || !(layout.hi > layout.lo))
        throw ShapeError("png grid: needs at least one image, one column and hi > lo");
    g.columns = std::min<int64_t>(layout.columns, g.n);
    g.rows = (g.n + g.columns - 1) / g.columns;
    g.width = g.columns * (g.w + layout.border) + layout.border;
    g.height = g.rows * (g.h + layout.border) + layout.border;
    return g;
}

// The grid's pixels, row-major, `c` bytes per pixel; borders black.
std::vector<unsigned char> pixels(const Tensor& images, const Geometry& g, const GridLayout& layout) {
    std::vector<unsigned char> out(static_cast<std::size_t>(g.width * g.height * g.c), 0);
    const float* src = images.data<float>();
    const float scale = 255.0f / (layout.hi - layout.lo);
    for (int64_t i = 0; i < g.n; ++i) {
        int64_t top = layout.border + (i / g.columns) * (g.h + layout.border);
        int64_t left = layout.border + (i % g.columns) * (g.w + layout.border);
        for (int64_t ch = 0; ch < g.c; ++ch)
            for (int64_t y = 0; y < g.h; ++y)
                for (int64_t x = 0; x < g.w; ++x) {
                    float v = src[((i * g.c + ch) * g.h + y) * g.w + x];
                    float level = std::isfinite(v) ? (v - layout.lo) * scale : 0.0f;
                    out[((top + y) * g.width + left + x) * g.c + ch] =
                        static_cast<unsigned char>(std::lround(std::clamp(level, 0.0f, 255.0f)));
                }
    }
    return out;
}

// Called from inside libpng (C): an exception must not unwind through it, so failures are
// reported the libpng way.
void append(png_structp png, png_bytep data, png_size_t length) {
    auto* out = static_cast<std::string*>(png_get_io_ptr(png));
    try {
        out->append(reinterpret_cast<const char*>(data), length);
    } catch (...) {
        png_error(png, "out of memory");
    }
}

std::string encode(const std::vector<unsigned char>& px, const Geometry& g) {
    // Everything with a destructor exists before setjmp: libpng's longjmp must skip none.
    std::string bytes;
    std::vector<png_bytep> rows(static_cast<std::size_t>(g.height));
    for (int64_t y = 0; y < g.height; ++y)
        rows[y] = const_cast<png_bytep>(px.data() + y * g.width * g.c);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info) {
        png_destroy_write_struct(&png, &info);
        throw DataError("png grid: libpng could not start");
    }
    if (setjmp(png_jmpbuf(png))) {  // libpng reports errors by longjmp
        png_destroy_write_struct(&png, &info);
        throw DataError("png grid: libpng failed to encode the image");
    }
    png_set_write_fn(png, &bytes, append, nullptr);
    png_set_IHDR(png, info, static_cast<png_uint_32>(g.width), static_cast<png_uint_32>(g.height), 8,
                 g.c == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_set_rows(png, info, rows.data());
    png_write_png(png, info, PNG_TRANSFORM_IDENTITY, nullptr);
    png_destroy_write_struct(&png, &info);
    return bytes;
}

}  // namespace

void write_png_grid(const std::filesystem::path& path, const Tensor& images, const GridLayout& layout) {
    Geometry g = geometry(images, layout);
    write_file_atomically(path, encode(pixels(images, g, layout), g));
}

}  // namespace chimera
