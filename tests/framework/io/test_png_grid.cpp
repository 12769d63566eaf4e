// Sample grids: the PNG libpng writes is read back (with libpng's reader) and its size, tile
// placement, value mapping and clamping checked pixel by pixel.
#include <boost/test/unit_test.hpp>

#include "core/host_error.hpp"
#include "io/png_grid.hpp"
#include "autograd/context.hpp"

#include <png.h>

#include <unistd.h>

using namespace chimera;
namespace fs = std::filesystem;

namespace {

struct Image {
    png_uint_32 width = 0, height = 0;
    int channels = 0;
    std::vector<unsigned char> px;
    int at(int x, int y, int c = 0) const { return px[(y * width + x) * channels + c]; }
};

Image read_png(const fs::path& p) {
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    BOOST_TEST_REQUIRE(png_image_begin_read_from_file(&image, p.c_str()) != 0);
    Image out;
    out.channels = (image.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1;
    image.format = out.channels == 3 ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY;
    out.width = image.width;
    out.height = image.height;
    out.px.resize(PNG_IMAGE_SIZE(image));
    BOOST_TEST_REQUIRE(png_image_finish_read(&image, nullptr, out.px.data(), 0, nullptr) != 0);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(grayscale_grid_places_tiles_and_maps_values) {
    Context ctx(1, 0);
    // Five 2x3 images in [-1, 1]: image i is filled with (i - 2) / 2, pixel (0,0) of image 4 is 7.
    Tensor images = ctx.empty(DType::f32, {5, 1, 2, 3});
    for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 6; ++j) images.data<float>()[i * 6 + j] = (i - 2) / 2.0f;
    images.data<float>()[4 * 6] = 7.0f;
    fs::path p = fs::temp_directory_path() / ("grid-" + std::to_string(::getpid()) + ".png");
    write_png_grid(p, images, {3, -1.0f, 1.0f, 2});
    Image img = read_png(p);
    fs::remove(p);
    BOOST_TEST(img.channels == 1);
    BOOST_TEST(img.width == 3u * (3 + 2) + 2);   // 3 columns of width 3, 2-pixel borders
    BOOST_TEST(img.height == 2u * (2 + 2) + 2);  // 2 rows of height 2
    BOOST_TEST(img.at(0, 0) == 0);               // border
    BOOST_TEST(img.at(2, 2) == 0);               // image 0 = -1 -> black
    BOOST_TEST(img.at(7, 2) == 64);              // image 1 = -0.5 -> 63.75 rounds to 64
    BOOST_TEST(img.at(12, 3) == 128);            // image 2 = 0 -> 127.5 rounds to 128
    BOOST_TEST(img.at(2, 6) == 191);             // image 3 (second row) = 0.5
    BOOST_TEST(img.at(7, 6) == 255);             // image 4 pixel (0,0) = 7 clamps to white
    BOOST_TEST(img.at(12, 6) == 0);              // no sixth image: background
}

BOOST_AUTO_TEST_CASE(rgb_images_keep_their_channels) {
    Context ctx(1, 0);
    Tensor images = ctx.zeros(DType::f32, {1, 3, 1, 1});
    images.data<float>()[0] = 1.0f;  // red
    images.data<float>()[2] = 0.5f;  // half blue
    fs::path p = fs::temp_directory_path() / ("rgb-" + std::to_string(::getpid()) + ".png");
    write_png_grid(p, images, {8, 0.0f, 1.0f, 0});
    Image img = read_png(p);
    fs::remove(p);
    BOOST_TEST(img.channels == 3);
    BOOST_TEST(img.at(0, 0, 0) == 255);
    BOOST_TEST(img.at(0, 0, 1) == 0);
    BOOST_TEST(img.at(0, 0, 2) == 128);
}

BOOST_AUTO_TEST_CASE(unusable_shapes_are_refused) {
    Context ctx(1, 0);
    BOOST_CHECK_THROW(write_png_grid("/tmp/x.png", ctx.zeros(DType::f32, {2, 2, 4, 4})), HostError);
    BOOST_CHECK_THROW(write_png_grid("/tmp/x.png", ctx.zeros(DType::f32, {4, 4})), HostError);
}
