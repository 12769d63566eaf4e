// The linear probe: classes that a line separates are found (all of the test set right), labels
// that have nothing to do with the features give chance on held-out examples, and bad input is
// an error rather than a number.
#define BOOST_TEST_MODULE framework_evaluate
#include <boost/test/unit_test.hpp>

#include "evaluate/linear_probe.hpp"

#include <random>
#include <stdexcept>

using namespace chimera;

namespace {

// n points of `classes` Gaussian clusters in `dim` dimensions, centres `spread` apart on the axes,
// plus a constant feature (no spread: it must not break the standardisation).
ProbeData clusters(int64_t n, int64_t classes, int64_t dim, double spread, uint64_t seed, bool random_labels = false) {
    std::mt19937_64 rng(seed);
    std::normal_distribution<double> noise(0.0, 1.0);
    ProbeData d;
    d.dim = dim + 1;
    for (int64_t i = 0; i < n; ++i) {
        const auto c = static_cast<int32_t>(i % classes);
        for (int64_t k = 0; k < dim; ++k) d.features.push_back(static_cast<float>(noise(rng) + (k == c % dim ? spread : 0.0)));
        d.features.push_back(7.0f);
        d.labels.push_back(random_labels ? static_cast<int32_t>(rng() % static_cast<uint64_t>(classes)) : c);
    }
    return d;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_probe_separates_clusters_and_is_at_chance_on_noise) {
    const ProbeResult good = linear_probe(clusters(2000, 4, 8, 8.0, 1), clusters(1000, 4, 8, 8.0, 2), 4);
    BOOST_TEST(good.train_accuracy == 1.0);
    BOOST_TEST(good.test_accuracy == 1.0);
    // Overlapping clusters: some wrong, far better than chance.
    const ProbeResult close = linear_probe(clusters(2000, 4, 8, 1.5, 3), clusters(2000, 4, 8, 1.5, 4), 4);
    BOOST_TEST(close.test_accuracy > 0.6);
    BOOST_TEST(close.test_accuracy < 0.95);
    // Labels drawn at random: nothing to learn, so a quarter right on new examples.
    const ProbeResult noise = linear_probe(clusters(2000, 4, 8, 8.0, 5, true), clusters(4000, 4, 8, 8.0, 6, true), 4);
    BOOST_TEST(noise.test_accuracy > 0.20);
    BOOST_TEST(noise.test_accuracy < 0.30);
}

BOOST_AUTO_TEST_CASE(bad_probe_data_is_an_error) {
    ProbeData ok = clusters(10, 2, 2, 1.0, 7), empty;
    BOOST_CHECK_THROW(linear_probe(empty, ok, 2), std::invalid_argument);
    ProbeData wide = clusters(10, 2, 3, 1.0, 8);
    BOOST_CHECK_THROW(linear_probe(ok, wide, 2), std::invalid_argument);
    ProbeData bad_label = ok;
    bad_label.labels[3] = 5;
    try {
        linear_probe(bad_label, ok, 2);
        BOOST_FAIL("no error");
    } catch (const std::invalid_argument& e) {
        BOOST_TEST(std::string(e.what()).find("label 5 is not a class 0..1") != std::string::npos, e.what());
    }
}
