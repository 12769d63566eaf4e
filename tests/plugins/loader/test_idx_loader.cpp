// The idx loader through the host, as the trainer will use it: fields and size, batches read
// into host tensors and compared with the raw bytes of Debian's Fashion-MNIST (read here with
// zlib directly), scaling and binarisation, and errors that name the YAML place and the file.
#define BOOST_TEST_MODULE plugins_loader
#include <boost/test/unit_test.hpp>

#include "core/host_error.hpp"
#include "plugin/component_config.hpp"
#include "plugin/component_instance.hpp"
#include "plugin/host_services.hpp"
#include "plugin/plugin_registry.hpp"
#include "support/plugin_session.hpp"

#include <zlib.h>

using namespace chimera;

namespace {

const std::string fashion = "/usr/share/datasets/fashion-mnist/";

struct Session : chimera::test::PluginSession {
    Session() : PluginSession({IDX_PLUGIN_FILE}) {}
    std::unique_ptr<ComponentInstance> loader(const std::string& yaml) {
        return make(CHM_KIND_LOADER, "idx", yaml, "data", "pipe.yaml", "data.train");
    }
};

// The raw bytes of a gzipped IDX file, past its header.
std::vector<uint8_t> raw(const std::string& file, int header) {
    gzFile f = gzopen(file.c_str(), "rb");
    std::vector<uint8_t> bytes;
    uint8_t buf[65536];
    int n;
    while ((n = gzread(f, buf, sizeof buf)) > 0) bytes.insert(bytes.end(), buf, buf + n);
    gzclose(f);
    return std::vector<uint8_t>(bytes.begin() + header, bytes.end());
}

}  // namespace

BOOST_AUTO_TEST_CASE(fashion_mnist_test_split_reads_as_images_and_labels) {
    Session s;
    auto l = s.loader("images: " + fashion + "t10k-images-idx3-ubyte.gz\nlabels: " + fashion +
                      "t10k-labels-idx1-ubyte.gz");
    BOOST_TEST(l->size() == 10000);
    auto fields = l->fields();
    BOOST_TEST_REQUIRE(fields.size() == 2u);
    BOOST_TEST(fields[0].name == "image");
    BOOST_TEST(fields[0].shape == Shape({1, 28, 28}), boost::test_tools::per_element());
    BOOST_TEST(fields[1].name == "label");
    BOOST_TEST(fields[1].shape.empty());

    auto batch = s.read_batch(*l, {0, 9999, 5});
    std::vector<uint8_t> pixels = raw(fashion + "t10k-images-idx3-ubyte.gz", 16);
    std::vector<uint8_t> labels = raw(fashion + "t10k-labels-idx1-ubyte.gz", 8);
    const int64_t indices[] = {0, 9999, 5};
    for (int k = 0; k < 3; ++k) {
        BOOST_TEST(batch[1].data<int32_t>()[k] == int(labels[indices[k]]));
        for (int p = 0; p < 784; p += 37)
            BOOST_TEST(batch[0].data<float>()[k * 784 + p] == pixels[indices[k] * 784 + p] / 255.0f);
    }
    BOOST_TEST(batch[1].data<int32_t>()[0] == 9);  // the first test image is an ankle boot
}

BOOST_AUTO_TEST_CASE(symmetric_scaling_binarisation_and_limits) {
    Session s;
    auto sym = s.loader("scale: symmetric\nlimit: 100");
    BOOST_TEST(sym->size() == 100);
    auto b = s.read_batch(*sym, {3});
    float lo = 1, hi = -1;
    for (int p = 0; p < 784; ++p) {
        lo = std::min(lo, b[0].data<float>()[p]);
        hi = std::max(hi, b[0].data<float>()[p]);
    }
    BOOST_TEST(lo == -1.0f);  // background pixels are 0 -> -1
    BOOST_TEST(hi <= 1.0f);
    auto bin = s.loader("binarize: true\nlabels: ''");
    BOOST_TEST(bin->fields().size() == 1u);  // no labels asked for
    auto bb = s.read_batch(*bin, {0});
    for (int p = 0; p < 784; ++p) {
        float v = bb[0].data<float>()[p];
        BOOST_TEST((v == 0.0f || v == 1.0f));
    }
}

BOOST_AUTO_TEST_CASE(bad_files_name_the_yaml_place_and_the_file) {
    Session s;
    try {
        s.loader("images: /nonexistent/images.gz");
        BOOST_FAIL("create should have failed");
    } catch (const PluginError& e) {
        BOOST_TEST(std::string(e.what()).find("pipe.yaml:1:9 (data.train.images): /nonexistent/images.gz: cannot open") !=
                       std::string::npos, e.what());
    }
    try {
        s.loader("images: " + fashion + "train-images-idx3-ubyte.gz\nlabels: " + fashion + "t10k-labels-idx1-ubyte.gz");
        BOOST_FAIL("create should have failed");
    } catch (const PluginError& e) {
        BOOST_TEST(std::string(e.what()).find("(data.train.labels): 10000 labels for 60000 images") != std::string::npos,
                   e.what());
    }
}
