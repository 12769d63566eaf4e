// `chimera generate --format npy` (arrays streamed in blocks, labels beside them, the same
// numbers as the PNG grid) and `chimera evaluate --train-on-generated` (a classifier trained on
// generated and on real images), on a conditional MLP GAN trained for a few steps: fast, so the
// accuracies are only checked to be measured, and the real-data one to be above chance.
#define BOOST_TEST_MODULE framework_generated_arrays
#include <boost/test/unit_test.hpp>

#include "io/png_image.hpp"
#include "runtime/device.hpp"
#include "support/run_process.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using chimera::test::ProcessResult;
using chimera::test::read_file;
using chimera::test::run_process;

namespace {

// Ten classes of 64 images each for the classifiers; 2 epochs of 10 steps. An MLP on 640 real
// images reaches about 70% on the test split; half of that is far above chance (10%).
constexpr int64_t images_per_set = 640;
constexpr double min_real_accuracy = 0.35;

ProcessResult chimera_cli(std::vector<std::string> args) {
    args.insert(args.begin(), CHIMERA_BIN);
    args.push_back("--threads");
    args.push_back("2");
    return run_process(args);
}

void require_ok(const ProcessResult& r) { BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "exit " << r.exit_code << "\n" << r.out << r.err); }

// A conditional MLP GAN trained for a few steps, shared by the cases.
struct Runs {
    fs::path dir = fs::temp_directory_path() / ("chimera-arrays-" + std::to_string(::getpid()));
    fs::path cgan = dir / "cgan";
    Runs() {
        fs::remove_all(dir);
        fs::create_directories(dir);
        require_ok(chimera_cli({"train", std::string(CHIMERA_TEST_CONFIGS) + "/cgan_mlp.yaml", "--out", cgan.string(), "--set",
                                "train.steps=30", "--set", "train.samples=0"}));
    }
    ~Runs() { fs::remove_all(dir); }
};
Runs& runs() {
    static Runs r;
    return r;
}

// A .npy file read by hand: its header text and its data as floats or ints.
struct Npy {
    std::string header;
    std::string data;
};
Npy read_npy(const fs::path& file) {
    const std::string bytes = read_file(file.string());
    BOOST_REQUIRE_MESSAGE(bytes.size() > 10 && bytes.compare(0, 6, "\x93NUMPY") == 0, file << " is not a .npy file");
    const std::size_t length = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
    return {bytes.substr(10, length), bytes.substr(10 + length)};
}
std::vector<float> floats(const Npy& a) {
    std::vector<float> v(a.data.size() / 4);
    std::memcpy(v.data(), a.data.data(), v.size() * 4);
    return v;
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_array_beyond_a_grid_is_streamed_and_starts_with_the_same_images) {
    const fs::path big = runs().dir / "big.npy", small = runs().dir / "small.npy";
    require_ok(chimera_cli({"generate", runs().cgan.string(), "--format", "npy", "--n", "4100", "--seed", "5", "--out", big.string()}));
    require_ok(chimera_cli({"generate", runs().cgan.string(), "--format", "npy", "--n", "10", "--seed", "5", "--out", small.string()}));
    const Npy a = read_npy(big), b = read_npy(small), labels = read_npy(runs().dir / "big.labels.npy");
    BOOST_TEST(a.header.find("'descr': '<f4'") != std::string::npos, a.header);
    BOOST_TEST(a.header.find("'shape': (4100, 1, 28, 28)") != std::string::npos, a.header);
    BOOST_TEST(labels.header.find("'descr': '<i4', 'fortran_order': False, 'shape': (4100,)") != std::string::npos, labels.header);
    const std::vector<float> x = floats(a), y = floats(b);
    BOOST_REQUIRE_EQUAL(x.size(), std::size_t(4100) * 784);
    BOOST_REQUIRE_EQUAL(y.size(), std::size_t(10) * 784);
    // The first ten images do not depend on how many were drawn after them.
    BOOST_TEST(std::equal(y.begin(), y.end(), x.begin()));
    BOOST_TEST(*std::min_element(x.begin(), x.end()) >= -1.0f);
    BOOST_TEST(*std::max_element(x.begin(), x.end()) <= 1.0f);
    // Blocks differ: the last image is not a copy of the first.
    BOOST_TEST(!std::equal(x.end() - 784, x.end(), x.begin()));
    std::vector<int32_t> classes(labels.data.size() / 4);
    std::memcpy(classes.data(), labels.data.data(), classes.size() * 4);
    BOOST_REQUIRE_EQUAL(classes.size(), std::size_t(4100));
    for (std::size_t i = 0; i < classes.size(); ++i) BOOST_REQUIRE_EQUAL(classes[i], static_cast<int32_t>(i % 10));
    // NumPy reads both files as they are meant.
    require_ok(run_process({CHIMERA_PYTHON, "-c",
                            "import numpy as np, sys\n"
                            "a = np.load(sys.argv[1]); l = np.load(sys.argv[2])\n"
                            "assert a.shape == (4100, 1, 28, 28) and a.dtype == np.float32, (a.shape, a.dtype)\n"
                            "assert l.dtype == np.int32 and (l == np.arange(4100) % 10).all()\n",
                            big.string(), (runs().dir / "big.labels.npy").string()}));
}

BOOST_AUTO_TEST_CASE(an_array_holds_what_the_png_grid_draws) {
    const fs::path grid = runs().dir / "three.png", array = runs().dir / "three.npy";
    const std::vector<std::string> same = {"--n", "8", "--columns", "8", "--condition", "label=3", "--seed", "9"};
    std::vector<std::string> png = {"generate", runs().cgan.string(), "--out", grid.string()}, npy = png;
    png.insert(png.end(), same.begin(), same.end());
    npy[3] = array.string();
    npy.insert(npy.end(), same.begin(), same.end());
    npy.insert(npy.end(), {"--format", "npy"});
    require_ok(chimera_cli(png));
    require_ok(chimera_cli(npy));
    const std::vector<float> x = floats(read_npy(array));
    BOOST_REQUIRE_EQUAL(x.size(), std::size_t(8) * 784);
    // The grid: 8 images of 28 x 28 in a row, 2-pixel borders; bytes read back as 0..255.
    chimera::Device device(1);
    const chimera::Tensor png_pixels = chimera::read_png_image(device, grid, {1, 32, 8 * 30 + 2}, 0.0f, 255.0f);
    const float* p = png_pixels.data<float>();
    int differing = 0;
    for (int i = 0; i < 8; ++i)
        for (int r = 0; r < 28; ++r)
            for (int c = 0; c < 28; ++c) {
                const float v = x[static_cast<std::size_t>(i * 784 + r * 28 + c)];
                const long expected = std::lround(std::clamp((v + 1.0f) * 255.0f / 2.0f, 0.0f, 255.0f));
                const long drawn = std::lround(p[(2 + r) * (8 * 30 + 2) + 2 + i * 30 + c]);
                differing += expected != drawn;
            }
    BOOST_TEST(differing == 0);
    // Labels are all of the class asked for.
    const Npy labels = read_npy(runs().dir / "three.labels.npy");
    std::vector<int32_t> classes(labels.data.size() / 4);
    std::memcpy(classes.data(), labels.data.data(), classes.size() * 4);
    BOOST_TEST(classes == std::vector<int32_t>(8, 3), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(bad_formats_and_grids_too_large_are_usage_errors) {
    ProcessResult r = chimera_cli({"generate", runs().cgan.string(), "--format", "jpeg"});
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(r.err.find("--format: expected png or npy, not 'jpeg'") != std::string::npos, r.err);
    r = chimera_cli({"generate", runs().cgan.string(), "--n", "5000"});
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(r.err.find("--format npy") != std::string::npos, r.err);
    r = chimera_cli({"generate", runs().cgan.string(), "--format", "npy", "--interpolate"});
    BOOST_TEST(r.exit_code == 2);
}

BOOST_AUTO_TEST_CASE(train_on_generated_reports_both_accuracies) {
    const fs::path json = runs().dir / "tog.json";
    ProcessResult r = chimera_cli({"evaluate", runs().cgan.string(), "--train-on-generated", std::to_string(images_per_set),
                                   "--classifier", std::string(CHIMERA_TEST_CONFIGS) + "/classifier_mlp.yaml", "--json", json.string()});
    require_ok(r);
    const nlohmann::json j = nlohmann::json::parse(read_file(json.string()));
    const nlohmann::json& t = j.at("train_on_generated");
    BOOST_TEST_MESSAGE("generated " << t.at("generated_accuracy") << ", real " << t.at("real_accuracy"));
    const double generated = t.at("generated_accuracy"), real = t.at("real_accuracy");
    BOOST_TEST((generated >= 0.0 && generated <= 1.0));
    BOOST_TEST((real >= min_real_accuracy && real <= 1.0));
    BOOST_TEST(t.at("training_images") == images_per_set);
    BOOST_TEST(t.at("classifier_epochs") == 2);
    BOOST_TEST(t.at("test_examples") == 10000);
    BOOST_TEST(r.out.find("Task performance") != std::string::npos, r.out);
    // The sets are there to look at: 640 images of 28 x 28 after a 16-byte header.
    const fs::path work = runs().cgan / "train-on-generated";
    BOOST_TEST(fs::file_size(work / "generated-images-idx3-ubyte") == 16u + images_per_set * 784u);
    BOOST_TEST(fs::file_size(work / "real-labels-idx1-ubyte") == 8u + images_per_set);
}

BOOST_AUTO_TEST_CASE(train_on_generated_refuses_what_it_cannot_do) {
    const std::string classifier = std::string(CHIMERA_TEST_CONFIGS) + "/classifier_mlp.yaml";
    // The same run with its generate section's condition taken away.
    ProcessResult r = chimera_cli({"evaluate", runs().cgan.string(), "--train-on-generated", "640", "--classifier", classifier, "--set",
                                   "generate={from: z, image: fake, range: [-1, 1]}"});
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(r.err.find("is not a conditional model") != std::string::npos, r.err);
    r = chimera_cli({"evaluate", runs().cgan.string(), "--train-on-generated", "0", "--classifier", classifier});
    BOOST_TEST(r.exit_code == 2);
    r = chimera_cli({"evaluate", runs().cgan.string(), "--train-on-generated", "640", "--classifier", "/nonexistent.yaml"});
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(r.err.find("--classifier /nonexistent.yaml") != std::string::npos, r.err);
}
