#include "io/png_image.hpp"

#include "core/host_error.hpp"
#include "runtime/device.hpp"

#include <png.h>

#include <vector>

namespace chimera {

Tensor read_png_image(Device& device, const std::filesystem::path& path, const Shape& shape, float lo, float hi) {
    const int64_t channels = shape.size() == 3 ? shape[0] : 0;
    if (channels != 1 && channels != 3) throw DataError(path.string() + ": images " + shape_text(shape) + " cannot be read from PNG");
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path.c_str())) {
        const std::string why = image.message;
        png_image_free(&image);
        throw DataError(path.string() + ": not a readable PNG image (" + why + ")");
    }
    if (image.width != static_cast<uint64_t>(shape[2]) || image.height != static_cast<uint64_t>(shape[1])) {
        png_image_free(&image);
        throw DataError(path.string() + ": the image is " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                        " pixels; this model reads " + std::to_string(shape[2]) + "x" + std::to_string(shape[1]));
    }
    image.format = channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
    std::vector<unsigned char> px(PNG_IMAGE_SIZE(image));
    if (!png_image_finish_read(&image, nullptr, px.data(), 0, nullptr)) {
        const std::string why = image.message;
        png_image_free(&image);
        throw DataError(path.string() + ": a damaged PNG image (" + why + ")");
    }
    const int64_t h = image.height, w = image.width;
    Tensor out = device.empty(DType::f32, {channels, h, w});
    float* dst = out.data<float>();
    for (int64_t c = 0; c < channels; ++c)
        for (int64_t i = 0; i < h * w; ++i) dst[c * h * w + i] = lo + (hi - lo) * static_cast<float>(px[i * channels + c]) / 255.0f;
    return out;
}

}  // namespace chimera
